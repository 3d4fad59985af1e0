import {
  InMemoryTokenStore,
  SendfactCredentialsError,
  type SendfactTokenStore,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../lib/client/token-request.limiter.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import {
  HMAC_KEYS,
  ScriptedEndpoint,
  ask,
  replica,
  settle,
  storedFor,
} from './shared-store.kit.js';

const POLL_MS = 25;
const LEASE_MS = 11_000;

/** An endpoint answering `token-n` after `ms` of fake time. */
const slowEndpoint = (clock: FakeClock, ms: number, name = 'token') =>
  new ScriptedEndpoint(
    (n) =>
      new Promise((resolve) =>
        clock.setTimer(() => resolve({ accessToken: `${name}-${n}`, lifetimeMs: 120_000 }), ms),
      ),
  );

/** When `work` settled, on `clock`. */
function settledAt(clock: FakeClock, work: Promise<unknown>): { at?: number } {
  const when: { at?: number } = {};
  void work.then(
    () => (when.at = clock.now()),
    () => (when.at = clock.now()),
  );
  return when;
}

describe('replicas sharing a store', () => {
  it('make one token request at a cold start: one holds the lease, the others poll for its token', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const replicas = ['a', 'b', 'c'].map((name) =>
      replica({
        store,
        clock,
        endpoint: slowEndpoint(clock, 1_000, name),
        pollIntervalMs: POLL_MS,
      }),
    );
    const start = clock.now();
    const requests = replicas.flatMap(({ source }) =>
      Array.from({ length: 3 }, () => source.token(ask())),
    );
    const when = requests.map((request) => settledAt(clock, request));
    const grants = await settle(clock, Promise.all(requests), POLL_MS);

    expect(replicas.map((r) => r.endpoint.calls).reduce((a, b) => a + b)).toBe(1);
    expect(new Set(grants.map((g) => g.accessToken)).size).toBe(1);
    expect(grants.filter((g) => g.shared !== true)).toHaveLength(1);
    // Every replica counts the token's life from when the holder sent its request.
    expect(new Set(grants.map((g) => g.obtainedAt))).toEqual(new Set([start]));
    // The pollers took it at their first look after the holder shared it.
    for (const { at } of when) expect(at).toBeLessThanOrEqual(start + 1_000 + POLL_MS);
  });

  it('gives the lease back at once when it finds a token shared between its look and the lease', async () => {
    const clock = new FakeClock();
    const inner = new InMemoryTokenStore(() => clock.now());
    const shared = await storedFor(HMAC_KEYS, {
      accessToken: 'shared-by-another',
      lifetimeMs: 120_000,
      remainingMs: 100_000,
    });
    let raced = false;
    // Another replica shares its token just as this one takes the lease.
    const store: SendfactTokenStore = {
      keyDerivation: HMAC_KEYS,
      get: (key) => inner.get(key),
      set: (key, token, ttlMs) => inner.set(key, token, ttlMs),
      deleteIfCurrent: (key, token) => inner.deleteIfCurrent(key, token),
      releaseLease: (key, id) => inner.releaseLease(key, id),
      async acquireLease(key, ttlMs) {
        if (!raced) {
          raced = true;
          await inner.set(key, shared, 100_000);
        }
        return inner.acquireLease(key, ttlMs);
      },
    };
    const { source, endpoint, keys } = replica({ store, clock, pollIntervalMs: POLL_MS });
    const grant = await settle(clock, source.token(ask()), POLL_MS);
    expect(grant).toMatchObject({ accessToken: 'shared-by-another', shared: true });
    expect(endpoint.calls).toBe(0);
    // The lease is free: the next replica to want it gets it, rather than waiting 11 s for it to lapse.
    expect(await inner.acquireLease((await keys()).name, LEASE_MS)).toEqual(expect.any(String));
  });

  it('takes over from a lease holder that died, at its first poll after the lease lapses', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const { source, endpoint, keys } = replica({ store, clock, pollIntervalMs: POLL_MS });
    const start = clock.now();
    await store.acquireLease((await keys()).name, 300); // then died, sharing nothing
    const request = source.token(ask());
    const when = settledAt(clock, request);
    const grant = await settle(clock, request, POLL_MS);
    expect(grant).toEqual({ accessToken: 'token-1', lifetimeMs: 120_000, obtainedAt: start + 300 });
    expect(endpoint.calls).toBe(1);
    expect(when.at).toBe(start + 300);
    // It took the lease and shared the token: another replica finds it there.
    const other = replica({ store, clock });
    expect(await other.source.token(ask())).toMatchObject({ accessToken: 'token-1', shared: true });
  });

  it('fetches for itself once it waited one lease for a holder that never shares', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const { source, endpoint, keys } = replica({
      store,
      clock,
      leaseMs: LEASE_MS,
      pollIntervalMs: POLL_MS,
    });
    const start = clock.now();
    await store.acquireLease((await keys()).name, 600_000); // alive, but stuck
    const request = source.token(ask());
    const when = settledAt(clock, request);
    expect((await settle(clock, request)).accessToken).toBe('token-1');
    expect(endpoint.calls).toBe(1);
    expect(when.at).toBeGreaterThanOrEqual(start + LEASE_MS);
  });

  it('gives the lease back when its token request fails, which reaches the caller as it is', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const refused = new SendfactCredentialsError(401, { accountId: 'acme' });
    const { source, keys } = replica({
      store,
      clock,
      endpoint: new ScriptedEndpoint(() => Promise.reject(refused)),
    });
    await expect(source.token(ask())).rejects.toBe(refused);
    // Nobody holds the lease: the next holder need not wait for it to lapse.
    expect(await store.acquireLease((await keys()).name, 1_000)).toBeDefined();
  });
});

describe('the cap on token requests in front of the shared store', () => {
  it('holds its slot while the source polls for the lease holder, and lets the next caller take the shared token', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const limiter = new ConcurrencyLimiter(1);
    const a = replica({ store, clock, endpoint: slowEndpoint(clock, 0, 'a') });
    const b = replica({ store, clock, endpoint: slowEndpoint(clock, 0, 'b') });
    await store.acquireLease((await a.keys()).name, 300); // a holder that died
    const first = limiter.limit(a.source).token(ask());
    const second = limiter.limit(b.source).token(ask());
    await clock.advance(200); // a polls, b queues behind it
    expect([limiter.active, limiter.queued]).toEqual([1, 1]);
    expect(await settle(clock, Promise.all([first, second]), POLL_MS)).toMatchObject([
      { accessToken: 'a-1' },
      { accessToken: 'a-1', shared: true },
    ]);
    expect([a.endpoint.calls, b.endpoint.calls]).toEqual([1, 0]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });
});

describe('a store that fails', () => {
  it('sends the replica to the token endpoint for itself, and is reported down once then up once', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const get = store.get.bind(store);
    let down = true;
    store.get = (key) => (down ? Promise.reject(new Error('ECONNREFUSED')) : get(key));
    const { source, endpoint, health } = replica({ store, clock });
    expect((await source.token(ask())).accessToken).toBe('token-1');
    expect((await source.token(ask())).accessToken).toBe('token-2');
    expect(endpoint.calls).toBe(2);
    expect(health).toEqual([{ healthy: false, reason: 'ECONNREFUSED' }]);

    down = false;
    expect((await source.token(ask())).accessToken).toBe('token-3');
    expect(health).toEqual([
      { healthy: false, reason: 'ECONNREFUSED' },
      { healthy: true, reason: undefined },
    ]);
    // Shared again: the token fetched through the lease is in the store.
    expect(await source.token(ask())).toMatchObject({ accessToken: 'token-3', shared: true });
  });

  it('sends the replica to the token endpoint when a store call takes longer than its bound', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    store.acquireLease = () => new Promise(() => {}); // never answers
    const { source, endpoint, health } = replica({ store, clock, storeTimeoutMs: 250 });
    const request = source.token(ask());
    const when = settledAt(clock, request);
    await flush();
    expect(endpoint.calls).toBe(0);
    await clock.advance(250);
    expect((await request).accessToken).toBe('token-1');
    expect(when.at).toBe(clock.now());
    expect(health).toEqual([{ healthy: false, reason: 'no answer in 250 ms' }]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends the replica to the token endpoint when the key cannot be derived', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const { source, endpoint } = replica({
      store,
      clock,
      keysFor: () => Promise.reject(new Error('out of memory')),
    });
    expect((await source.token(ask())).accessToken).toBe('token-1');
    expect(endpoint.calls).toBe(1);
  });
});
