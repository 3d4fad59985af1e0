import { scrypt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ScryptFunction,
  deriveTokenKeys,
  setScryptFunction,
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
