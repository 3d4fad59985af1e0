import { scrypt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ScryptFunction,
  deriveTokenKeys,
  setScryptFunction,
  tokenKeyring,
} from '../../lib/store/token-key.derivation.js';

let restore: ScryptFunction | undefined;
afterEach(() => {
  if (restore !== undefined) setScryptFunction(restore);
  restore = undefined;
});

describe('scrypt key derivation', () => {
  it('runs one scrypt at a time however many accounts derive at once, in order, each key right', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    restore = setScryptFunction((material, salt, keylen, options, callback) => {
      running++;
      most = Math.max(most, running);
      order.push(JSON.parse(material)[1]);
      scrypt(material, salt, keylen, options, (error, key) => {
        running--;
        callback(error, key);
      });
    });
    const logins = Array.from({ length: 12 }, (_, i) => ({
      username: `USER2010007097${i}`,
      password: `pw-${i}`,
    }));
    const keys = await Promise.all(
      logins.map((login) => deriveTokenKeys('scrypt', 'https://sendfact.test', login)),
    );
    expect(most).toBe(1);
    expect(order).toEqual(logins.map((l) => l.username));
    expect(new Set(keys.map((k) => k.name)).size).toBe(logins.length);
    // Same key as the unqueued derivation would give.
    restore = setScryptFunction(restore!);
    const again = await deriveTokenKeys('scrypt', 'https://sendfact.test', logins[3]!);
    expect(again.name).toBe(keys[3]!.name);
  });

  it('goes on with the queue after a failed derivation', async () => {
    let calls = 0;
    restore = setScryptFunction((material, salt, keylen, options, callback) => {
      calls++;
      if (calls === 1) callback(new Error('out of memory'), Buffer.alloc(0));
      else scrypt(material, salt, keylen, options, callback);
    });
    const login = { username: 'USER20100070970', password: 'pw' };
    const [first, second] = await Promise.allSettled([
      deriveTokenKeys('scrypt', 'https://sendfact.test', login),
      deriveTokenKeys('scrypt', 'https://sendfact.test', login),
    ]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
  });
});

/** Counts the scrypt derivations that run. */
function countingScrypt(failFirst = false) {
  const counter = { runs: 0 };
  restore = setScryptFunction((material, salt, keylen, options, callback) => {
    counter.runs++;
    if (failFirst && counter.runs === 1) callback(new Error('out of memory'), Buffer.alloc(0));
    else scrypt(material, salt, keylen, options, callback);
  });
  return counter;
}

describe('tokenKeyring', () => {
  it('derives the keys of a credentials object once, however many ask at once or later', async () => {
    const counter = countingScrypt();
    const keysFor = tokenKeyring('scrypt', 'https://sendfact.test');
    const login = { username: 'USER20100070970', password: 'pw' };
    const keys = await Promise.all([keysFor(login), keysFor(login), keysFor(login)]);
    expect(await keysFor(login)).toBe(keys[0]);
    expect(new Set(keys).size).toBe(1);
    expect(counter.runs).toBe(1);
  });

  it('derives again for a new credentials object (a login resolved anew, a rotated password)', async () => {
    const counter = countingScrypt();
    const keysFor = tokenKeyring('scrypt', 'https://sendfact.test');
    const login = { username: 'USER20100070970', password: 'pw' };
    const first = await keysFor(login);
    const again = await keysFor({ ...login });
    const rotated = await keysFor({ ...login, password: 'new-pw' });
    expect(counter.runs).toBe(3);
    expect(again.name).toBe(first.name);
    expect(rotated.name).not.toBe(first.name);
  });

  it('tries a failed derivation again on the next call rather than keeping the failure', async () => {
    const counter = countingScrypt(true);
    const keysFor = tokenKeyring('scrypt', 'https://sendfact.test');
    const login = { username: 'USER20100070970', password: 'pw' };
    await expect(keysFor(login)).rejects.toThrow('out of memory');
    expect((await keysFor(login)).name).toMatch(/^[0-9a-f]{64}$/);
    expect(counter.runs).toBe(2);
  });

  it('gives another key for another base URL', async () => {
    const login = { username: 'USER20100070970', password: 'pw' };
    const secret = { hmacSecret: 'a-key-secret-of-16-bytes' };
    const [a, b] = await Promise.all([
      tokenKeyring(secret, 'https://sendfact.test')(login),
      tokenKeyring(secret, 'https://staging.sendfact.test')(login),
    ]);
    expect(a.name).not.toBe(b.name);
    expect(a.macKey.equals(b.macKey)).toBe(false);
  });
});
