import { scrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ScryptFunction,
  deriveTokenKeys,
  tokenKeyring,
} from '../../lib/store/token-key.derivation.js';

const BASE_URL = 'https://sendfact.test';
const LOGIN = { username: 'USER20100070970', password: 'pw' };
const SECRET = { hmacSecret: 'a-key-secret-of-16-bytes' };

/** Node's scrypt, counting its runs, the first one failing if asked. */
function countingScrypt(failFirst = false) {
  const counter = { runs: 0 };
  const fn: ScryptFunction = (material, salt, keylen, options, callback) => {
    counter.runs++;
    if (failFirst && counter.runs === 1) callback(new Error('out of memory'), Buffer.alloc(0));
    else scrypt(material, salt, keylen, options, callback);
  };
  return { counter, fn };
}

describe('deriveTokenKeys', () => {
  it('gives 32 bytes of store key and 32 of MAC key, the same for the same credential', async () => {
    for (const derivation of ['scrypt', 'process-local', SECRET] as const) {
      const keys = await deriveTokenKeys(derivation, BASE_URL, LOGIN);
      expect(keys.name).toMatch(/^[0-9a-f]{64}$/);
      expect(keys.macKey).toHaveLength(32);
      const again = await deriveTokenKeys(derivation, BASE_URL, { ...LOGIN });
      expect(again.name).toBe(keys.name);
      expect(again.macKey.equals(keys.macKey)).toBe(true);
    }
  });

  it('runs the scrypt function it is given, with the material and nothing else of the credential', async () => {
    const seen: string[] = [];
    const keys = await deriveTokenKeys('scrypt', BASE_URL, LOGIN, (material, ...rest) => {
      seen.push(material);
      scrypt(material, ...rest);
    });
    expect(seen).toEqual([JSON.stringify([BASE_URL, LOGIN.username, LOGIN.password])]);
    expect(keys.name).toBe((await deriveTokenKeys('scrypt', BASE_URL, LOGIN)).name);
  });
});

describe('tokenKeyring', () => {
  it('derives the keys of a credentials object once, however many ask at once or later', async () => {
    const { counter, fn } = countingScrypt();
    const keysFor = tokenKeyring('scrypt', BASE_URL, (c) =>
      deriveTokenKeys('scrypt', BASE_URL, c, fn),
    );
    const keys = await Promise.all([keysFor(LOGIN), keysFor(LOGIN), keysFor(LOGIN)]);
    expect(await keysFor(LOGIN)).toBe(keys[0]);
    expect(new Set(keys).size).toBe(1);
    expect(counter.runs).toBe(1);
  });

  it('derives again for a new credentials object (a login resolved anew, a rotated password)', async () => {
    const { counter, fn } = countingScrypt();
    const keysFor = tokenKeyring('scrypt', BASE_URL, (c) =>
      deriveTokenKeys('scrypt', BASE_URL, c, fn),
    );
    const first = await keysFor(LOGIN);
    const again = await keysFor({ ...LOGIN });
    const rotated = await keysFor({ ...LOGIN, password: 'new-pw' });
    expect(counter.runs).toBe(3);
    expect(again.name).toBe(first.name);
    expect(rotated.name).not.toBe(first.name);
  });

  it('tries a failed derivation again on the next call rather than keeping the failure', async () => {
    const { counter, fn } = countingScrypt(true);
    const keysFor = tokenKeyring('scrypt', BASE_URL, (c) =>
      deriveTokenKeys('scrypt', BASE_URL, c, fn),
    );
    await expect(keysFor(LOGIN)).rejects.toThrow('out of memory');
    expect((await keysFor(LOGIN)).name).toMatch(/^[0-9a-f]{64}$/);
    expect(counter.runs).toBe(2);
  });

  it('gives another key for another base URL', async () => {
    const [a, b] = await Promise.all([
      tokenKeyring(SECRET, BASE_URL)(LOGIN),
      tokenKeyring(SECRET, 'https://staging.sendfact.test')(LOGIN),
    ]);
    expect(a.name).not.toBe(b.name);
    expect(a.macKey.equals(b.macKey)).toBe(false);
  });
});
