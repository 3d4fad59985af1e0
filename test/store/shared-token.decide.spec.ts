import {
  DEFAULT_REFRESH_POLICY,
  type SendfactTokenStore,
  type StoredToken,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { OPEN_GATES, decide } from '../../lib/engine/token-decision.js';
import { NOBODY_WAITS } from '../../lib/engine/keep-alive.js';
import { SharedTokenSource } from '../../lib/store/shared-token.source.js';
import { deriveTokenKeys, storedTokenMac } from '../../lib/store/token-key.derivation.js';
import { FakeClock } from '../support/fake-clock.js';

const LOGIN = { username: 'USER20100070970', password: 'acme-pw' };
const BASE_URL = 'https://sendfact.test';
const KEY_DERIVATION = { hmacSecret: 'a-key-secret-of-16-bytes' };

/** A store that holds one token, answers at once, and never grants the lease (no one fetches here). */
class OneTokenStore implements SendfactTokenStore {
  readonly keyDerivation = KEY_DERIVATION;
  constructor(public value: StoredToken) {}
  async get(): Promise<StoredToken | undefined> {
    return this.value;
  }
  async set(): Promise<void> {}
  async deleteIfCurrent(): Promise<void> {}
  async acquireLease(): Promise<string | undefined> {
    return undefined;
  }
  async releaseLease(): Promise<void> {}
}

describe('the shared store and the engine decide alike', () => {
  it('hands out a stored token exactly when decide() would serve it without a refresh, before 90 s of 120 s', async () => {
    const clock = new FakeClock();
    const lifetimeMs = 120_000;
    const keys = await deriveTokenKeys(KEY_DERIVATION, BASE_URL, LOGIN);
    const mac = storedTokenMac(keys, lifetimeMs, 'shared.jwt.token');
    // The store keeps a token until its must-refresh point (108 s): remainingMs counts down from 108 000.
    for (const remainingMs of [108_000, 60_000, 18_001, 18_000, 17_999, 5_000, 1]) {
      const store = new OneTokenStore({
        accessToken: 'shared.jwt.token',
        lifetimeMs,
        remainingMs,
        mac,
      });
      const source = new SharedTokenSource({
        store,
        policy: DEFAULT_REFRESH_POLICY,
        clock,
        baseUrl: BASE_URL,
        storeTimeoutMs: 60_000,
        leaseMs: 0, // no waiting for another holder: a miss goes straight to the token endpoint
        pollIntervalMs: 25,
        onStoreHealth: () => undefined,
      });
      const fetch = source.fetcher(
        () => LOGIN,
        async () => ({ accessToken: 'fetched.from.sendfact', lifetimeMs }),
        NOBODY_WAITS,
      );
      const grant = await fetch(new AbortController().signal);
      const obtainedAt = clock.now() - (108_000 - remainingMs);
      const expected = decide(
        clock.now(),
        { obtainedAt, lifetimeMs },
        OPEN_GATES,
        DEFAULT_REFRESH_POLICY,
      );
      const shared = grant.accessToken === 'shared.jwt.token';
      expect({ remainingMs, shared }).toEqual({ remainingMs, shared: expected.action === 'serve' });
      // Past 90 s (18 s or less before 108 s) it is due for refresh: every replica would refresh it at once.
      expect({ remainingMs, shared }).toEqual({ remainingMs, shared: remainingMs > 18_000 });
    }
  });
});
