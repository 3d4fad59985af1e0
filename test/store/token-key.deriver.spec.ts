import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type ScryptFunction,
  storedTokenMac,
  verifyStoredTokenMac,
} from '../../lib/store/token-key.derivation.js';
import {
  TokenKeyDeriver,
  defaultScryptConcurrency,
  scryptKeyWarning,
} from '../../lib/store/token-key.deriver.js';
import { flush } from '../support/fake-clock.js';

const BASE_URL = 'https://sendfact.test';
const login = (i: number) => ({ username: `USER2010007097${i}`, password: `pw-${i}` });

/**
 * A scrypt function the test finishes by hand: each run waits until the test calls `finish`, and answers a
 * SHA-512 of the material (the derivation's shape, without its cost). Counts the runs under way.
 */
function manualScrypt() {
  const state = {
    running: 0,
    most: 0,
    /** Every run, in the order they started. */
    runs: [] as { username: string; done: boolean; finish(error?: Error): void }[],
  };
  const fn: ScryptFunction = (material, _salt, _keylen, _options, callback) => {
    state.running++;
    state.most = Math.max(state.most, state.running);
    const [, username] = JSON.parse(material) as [string, string, string];
    state.runs.push({
      username,
      done: false,
      finish(error) {
        if (this.done) throw new Error(`run of ${username} finished twice`);
        this.done = true;
        state.running--;
        if (error !== undefined) callback(error, Buffer.alloc(0));
        else callback(null, createHash('sha512').update(material).digest());
      },
    });
  };
  return { state, fn };
}

describe('TokenKeyDeriver', () => {
  it('runs at most `concurrency` scrypt derivations at once, however many accounts ask', async () => {
    const { state, fn } = manualScrypt();
    const deriver = new TokenKeyDeriver({ concurrency: 2, scrypt: fn });
    const logins = Array.from({ length: 10 }, (_, i) => login(i));
    const keys = Promise.all(logins.map((l) => deriver.derive('scrypt', BASE_URL, l)));
    await flush();
    expect(state.runs).toHaveLength(2);
    // End the newest and the oldest run in turn, so that either position frees a slot.
    for (let finished = 0; finished < logins.length; finished++) {
      expect(state.running).toBeLessThanOrEqual(2);
      const running = state.runs.filter((run) => !run.done);
      (finished % 2 === 0 ? running.at(-1)! : running[0]!).finish();
      await flush();
    }
    const names = (await keys).map((k) => k.name);
    expect(state.most).toBe(2);
    expect(new Set(names).size).toBe(logins.length);
  });

  it('starts derivations in their order of arrival: none waits for one that asked after it', async () => {
    for (const concurrency of [1, 2, 3]) {
      const { state, fn } = manualScrypt();
      const deriver = new TokenKeyDeriver({ concurrency, scrypt: fn });
      const logins = Array.from({ length: 9 }, (_, i) => login(i));
      const keys = Promise.all(logins.map((l) => deriver.derive('scrypt', BASE_URL, l)));
      await flush();
      // The newest run ends first each time: the slot it frees still goes to the oldest waiter.
      while (state.running > 0) {
        state.runs.findLast((run) => !run.done)!.finish();
        await flush();
      }
      await keys;
      expect(state.runs.map((r) => r.username)).toEqual(logins.map((l) => l.username));
      expect(state.most).toBe(concurrency);
    }
  });

  it('gives a freed slot to the oldest waiter, not to a derivation that asks later', async () => {
    const { state, fn } = manualScrypt();
    const deriver = new TokenKeyDeriver({ concurrency: 1, scrypt: fn });
    const first = deriver.derive('scrypt', BASE_URL, login(0));
    const second = deriver.derive('scrypt', BASE_URL, login(1));
    await flush();
    state.runs[0]!.finish();
    // A third asks in the same turn as the first ends: the second still goes before it.
    const third = deriver.derive('scrypt', BASE_URL, login(2));
    await flush();
    expect(state.runs.map((r) => r.username)).toEqual([login(0).username, login(1).username]);
    state.runs[1]!.finish();
    await flush();
    state.runs[2]!.finish();
    await Promise.all([first, second, third]);
    expect(state.runs.map((r) => r.username)).toEqual([0, 1, 2].map((i) => login(i).username));
  });

  it('frees the slot of a failed derivation, and its keyring tries it again on the next call', async () => {
    const { state, fn } = manualScrypt();
    const deriver = new TokenKeyDeriver({ concurrency: 1, scrypt: fn });
    const keysFor = deriver.keyring('scrypt', BASE_URL);
    const account = login(0);
    const failed = keysFor(account);
    const other = keysFor(login(1));
    await flush();
    state.runs[0]!.finish(new Error('out of memory'));
    await expect(failed).rejects.toThrow('out of memory');
    await flush();
    state.runs[1]!.finish();
    await other;
    const retried = keysFor(account);
    await flush();
    expect(state.runs).toHaveLength(3);
    state.runs[2]!.finish();
    expect((await retried).name).toMatch(/^[0-9a-f]{64}$/);
    expect(state.running).toBe(0);
  });

  it('lets the derivations still waiting for a slot go when the module closes: no scrypt runs for them', async () => {
    const { state, fn } = manualScrypt();
    const closing = new AbortController();
    const keysFor = new TokenKeyDeriver({ concurrency: 1, scrypt: fn }).keyring(
      'scrypt',
      BASE_URL,
      closing.signal,
    );
    const running = keysFor(login(0));
    const waiting = [1, 2, 3].map((i) => keysFor(login(i)));
    await flush();
    expect(state.runs).toHaveLength(1);
    const reason = new Error('the module is closing');
    closing.abort(reason);
    for (const key of waiting) await expect(key).rejects.toBe(reason);
    // The one already on the pool cannot be stopped: it ends, and nothing starts after it.
    state.runs[0]!.finish();
    await running;
    await flush();
    expect(state.runs).toHaveLength(1);
  });

  it('derives a credentials object once, however many callers ask at once or later', async () => {
    const { state, fn } = manualScrypt();
    const keysFor = new TokenKeyDeriver({ concurrency: 2, scrypt: fn }).keyring('scrypt', BASE_URL);
    const account = login(0);
    const asked = Array.from({ length: 50 }, () => keysFor(account));
    await flush();
    expect(state.runs).toHaveLength(1);
    state.runs[0]!.finish();
    const keys = await Promise.all(asked);
    expect(new Set(keys).size).toBe(1);
    expect(await keysFor(account)).toBe(keys[0]);
    expect(state.runs).toHaveLength(1);
  });

  it('never queues HMAC derivations behind scrypt ones', async () => {
    const { state, fn } = manualScrypt();
    const deriver = new TokenKeyDeriver({ concurrency: 1, scrypt: fn });
    const slow = deriver.derive('scrypt', BASE_URL, login(0));
    const keyed = await deriver.derive(
      { hmacSecret: 'a-key-secret-of-16-bytes' },
      BASE_URL,
      login(1),
    );
    const local = await deriver.derive('process-local', BASE_URL, login(2));
    expect(keyed.name).toMatch(/^[0-9a-f]{64}$/);
    expect(local.name).toMatch(/^[0-9a-f]{64}$/);
    expect(state.runs).toHaveLength(1);
    state.runs[0]!.finish();
    await slow;
  });

  it('gives a wrong password another store key and another MAC key: it never reaches the right one', async () => {
    // Node's own scrypt: the keys are the ones a store sees.
    const deriver = new TokenKeyDeriver({ concurrency: 2 });
    const right = login(0);
    const [keys, wrong, otherUser, samePassword] = await Promise.all([
      deriver.derive('scrypt', BASE_URL, right),
      deriver.derive('scrypt', BASE_URL, { ...right, password: `${right.password}x` }),
      deriver.derive('scrypt', BASE_URL, { ...right, username: `${right.username}1` }),
      deriver.derive('scrypt', BASE_URL, { ...right }),
    ]);
    expect(samePassword.name).toBe(keys.name);
    for (const other of [wrong, otherUser]) {
      expect(other.name).not.toBe(keys.name);
      expect(other.macKey.equals(keys.macKey)).toBe(false);
      // A token stored for the right credential does not verify for the wrong one, even at the same key.
      const mac = storedTokenMac(keys, 120_000, 'a.b.c');
      expect(verifyStoredTokenMac({ ...other, name: keys.name }, 120_000, 'a.b.c', mac)).toBe(
        false,
      );
    }
  });

  it('refuses a concurrency that is not a whole number of at least 1', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN, Infinity])
      expect(() => new TokenKeyDeriver({ concurrency })).toThrow(RangeError);
  });

  it('shows its bound and queue, and no credential', async () => {
    const { state, fn } = manualScrypt();
    const deriver = new TokenKeyDeriver({ concurrency: 1, scrypt: fn });
    const keys = [0, 1, 2].map((i) => deriver.derive('scrypt', BASE_URL, login(i)));
    await flush();
    const shown = inspect(deriver);
    expect(shown).toBe('TokenKeyDeriver { concurrency: 1, running: 1, waiting: 2 }');
    expect(shown).not.toContain('USER');
    for (let i = 0; i < 3; i++) {
      state.runs[i]!.finish();
      await flush();
    }
    await Promise.all(keys);
    expect(inspect(deriver)).toBe('TokenKeyDeriver { concurrency: 1, running: 0, waiting: 0 }');
  });
});

describe('defaultScryptConcurrency', () => {
  it('leaves two pool threads to DNS and file I/O, runs at most one per core, and at least one', () => {
    expect(defaultScryptConcurrency(undefined, 2)).toBe(2); // the default pool of 4
    expect(defaultScryptConcurrency(undefined, 64)).toBe(2);
    expect(defaultScryptConcurrency('8', 16)).toBe(6);
    expect(defaultScryptConcurrency('8', 2)).toBe(2);
    expect(defaultScryptConcurrency('3', 8)).toBe(1);
    expect(defaultScryptConcurrency('1', 8)).toBe(1);
    // As libuv reads it: not a number is 1 thread, above 1024 is 1024.
    expect(defaultScryptConcurrency('many', 8)).toBe(1);
    expect(defaultScryptConcurrency('100000', 4096)).toBe(1022);
  });
});

describe('scryptKeyWarning', () => {
  it('names keySecret, its variable, and the cost per account and for 1,000 and 10,000 accounts', () => {
    const text = scryptKeyWarning(2, 30);
    expect(text).toContain('keySecret');
    expect(text).toContain('SENDFACT_TOKEN_KEY_SECRET');
    expect(text).toContain('30 ms of CPU per account');
    expect(text).toContain('1,000 accounts costs 30 s of CPU');
    expect(text).toContain('10,000 accounts 5 min');
  });
});
