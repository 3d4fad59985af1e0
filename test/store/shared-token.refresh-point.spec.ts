import type { SendfactTokenStore, StoredToken } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle, scheduleFor } from '../../lib/engine/token-cycle.js';
import { FakeClock } from '../support/fake-clock.js';
import { HMAC_KEYS, ScriptedEndpoint, replica, storedFor } from './shared-store.kit.js';

/** A store that holds one token, answers at once, and never grants the lease (no one fetches here). */
class OneTokenStore implements SendfactTokenStore {
  readonly keyDerivation = HMAC_KEYS;
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

describe('the shared store and the token cycle agree on the refresh point', () => {
  it('hands out a stored token exactly while the cycle would serve it without a refresh, before 90 s of 120 s', async () => {
    const clock = new FakeClock();
    const lifetimeMs = 120_000;
    // The store keeps a token until its must-refresh point (108 s): remainingMs counts down from 108 000.
    for (const remainingMs of [108_000, 60_000, 18_001, 18_000, 17_999, 5_000, 1]) {
      const store = new OneTokenStore(
        await storedFor(HMAC_KEYS, { accessToken: 'shared.jwt.token', lifetimeMs, remainingMs }),
      );
      const { source } = replica({
        store,
        clock,
        endpoint: new ScriptedEndpoint(async () => ({
          accessToken: 'fetched.from.sendfact',
          lifetimeMs,
        })),
        leaseMs: 0, // no waiting for another holder: a miss goes straight to the token endpoint
      });
      const cycle = new TokenCycle({ source, accountId: 'acme', clock, random: () => 0.5 });
      const held = await cycle.next();
      const now = clock.now();
      const obtainedAt = now - (108_000 - remainingMs);
      const { refreshAt } = scheduleFor(obtainedAt, lifetimeMs, DEFAULT_REFRESH_POLICY);
      const shared = held.value === 'shared.jwt.token';
      expect({ remainingMs, shared }).toEqual({ remainingMs, shared: now < refreshAt });
      // A cycle holding that token itself serves it without a refresh exactly then.
      const holder = new TokenCycle({
        source: { token: async () => ({ accessToken: 'held', lifetimeMs, obtainedAt }) },
        accountId: 'acme',
        clock,
      });
      await holder.next();
      holder.current();
      expect({ remainingMs, shared }).toEqual({ remainingMs, shared: !holder.refreshing });
      holder.close();
      // Past 90 s (18 s or less before 108 s) it is due for refresh: every replica would refresh it at once.
      expect({ remainingMs, shared }).toEqual({ remainingMs, shared: remainingMs > 18_000 });
      // The cycle holds the token on the store's schedule (or a fetched one on its own), and serves it as it is.
      expect({
        remainingMs,
        refreshAt: held.refreshAt,
        served: cycle.current() === held && !cycle.refreshing,
      }).toEqual({ remainingMs, refreshAt: shared ? refreshAt : now + 90_000, served: true });
      cycle.close();
    }
  });
});
