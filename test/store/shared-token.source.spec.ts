import {
  InMemoryTokenStore,
  type SendfactTokenStore,
  type StoredToken,
  type TokenGrant,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../lib/client/token-request.limiter.js';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle, scheduleFor } from '../../lib/engine/token-cycle.js';
import { deriveTokenKeys, storedTokenMac } from '../../lib/store/token-key.derivation.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import {
  BASE_URL,
  HMAC_KEYS,
  LOGIN,
  ScriptedEndpoint,
  ask,
  replica,
  settle,
  storedFor,
} from './shared-store.kit.js';

const FETCHED: TokenGrant = { accessToken: 'fetched.from.sendfact', lifetimeMs: 120_000 };
const fetched = () => new ScriptedEndpoint(async () => FETCHED);
const issuing = (accessToken: string) =>
  new ScriptedEndpoint(async () => ({ accessToken, lifetimeMs: 120_000 }));

/**
 * A store holding one value under every key, whose reads answer `delayMs` of fake time after they are sent. A
 * `legacy` one declares no key derivation, as stores written before values had a MAC.
 */
class ScriptedStore implements SendfactTokenStore {
  readonly deleted: string[] = [];
  readonly keyDerivation: SendfactTokenStore['keyDerivation'];
  constructor(
    readonly clock: FakeClock,
    public value: StoredToken | undefined,
    public delayMs = 0,
    legacy = false,
  ) {
    this.keyDerivation = legacy ? undefined : HMAC_KEYS;
  }
  get(): Promise<StoredToken | undefined> {
    return new Promise((resolve) => this.clock.setTimer(() => resolve(this.value), this.delayMs));
  }
  async set(): Promise<void> {}
  async deleteIfCurrent(_key: string, accessToken: string): Promise<void> {
    this.deleted.push(accessToken);
  }
  async acquireLease(): Promise<string | undefined> {
    return 'lease';
  }
  async releaseLease(): Promise<void> {}
}

describe('a token read from the shared store', () => {
  it('counts its remaining life from when the read was sent, not from when a slow answer came', async () => {
    const clock = new FakeClock();
    const value = await storedFor(HMAC_KEYS, {
      accessToken: 'shared.jwt.token',
      lifetimeMs: 120_000,
      remainingMs: 50_000,
    });
    const store = new ScriptedStore(clock, value, 3_000); // the answer takes 3 s
    const { source, endpoint } = replica({ store, clock, endpoint: fetched() });
    const sentAt = clock.now();
    const grant = await settle(clock, source.token(ask()));
    expect(grant).toMatchObject({ accessToken: 'shared.jwt.token', shared: true });
    expect(endpoint.calls).toBe(0);
    const { mustRefreshAt } = scheduleFor(
      grant.obtainedAt!,
      grant.lifetimeMs,
      DEFAULT_REFRESH_POLICY,
    );
    // The store said 50 s were left when it answered: at most 50 s from when the read was sent.
    expect(mustRefreshAt).toBe(sentAt + 50_000);
  });

  it.each([
    ['a 200 KB token with a lifetime of 31 years', 'x'.repeat(200_000), 1e12, 1e12],
    ['a token with a lifetime over a day', 'a.b.c', 86_400_001, 60_000],
    ['a token a header cannot carry', 'a b\nc', 120_000, 60_000],
    ['a token held longer than it lives', 'a.b.c', 120_000, 10_000_000],
    ['a zero lifetime', 'a.b.c', 0, 60_000],
  ])(
    'takes %s as a miss, deletes it (compare-and-delete) and fetches',
    async (_, token, life, left) => {
      const clock = new FakeClock();
      // With a valid MAC: the checks of the value itself refuse it, not its signature.
      const value = await storedFor(HMAC_KEYS, {
        accessToken: token,
        lifetimeMs: life,
        remainingMs: left,
      });
      const store = new ScriptedStore(clock, value);
      const { source, endpoint } = replica({ store, clock, endpoint: fetched() });
      const grant = await settle(clock, source.token(ask()));
      expect(grant.accessToken).toBe(FETCHED.accessToken);
      expect(endpoint.calls).toBe(1);
      expect(store.deleted).toContain(token);
    },
  );

  it('never hands back the token being replaced (stale), and shares the one fetched instead', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const a = replica({ store, clock, endpoint: issuing('first') });
    const b = replica({ store, clock, endpoint: issuing('second') });
    expect((await a.source.token(ask())).accessToken).toBe('first');
    const replaced = await settle(clock, b.source.token(ask({ stale: 'first' })));
    expect(replaced.accessToken).toBe('second');
    expect(await a.source.token(ask({ stale: 'first' }))).toMatchObject({
      accessToken: 'second',
      shared: true,
    });
    expect([a.endpoint.calls, b.endpoint.calls]).toEqual([1, 1]);
  });
});

describe('the MAC stored with a shared token', () => {
  const OTHER = { username: 'USER20515809822', password: 'beta-pw' };
  it.each([
    ['no MAC, from a store that declares a key derivation', async () => undefined],
    [
      'the MAC of another credential (a value copied from its key)',
      async () =>
        storedTokenMac(await deriveTokenKeys(HMAC_KEYS, BASE_URL, OTHER), 120_000, 'a.b.c'),
    ],
    [
      'a MAC over another lifetime',
      async () =>
        storedTokenMac(await deriveTokenKeys(HMAC_KEYS, BASE_URL, LOGIN), 60_000, 'a.b.c'),
    ],
    [
      'a MAC under another secret',
      async () =>
        storedTokenMac(
          await deriveTokenKeys({ hmacSecret: 'another-secret-of-16-bytes' }, BASE_URL, LOGIN),
          120_000,
          'a.b.c',
        ),
    ],
    ['a MAC that is not hex', async () => 'not hex'],
  ])('takes a token with %s as a miss, deletes it and fetches', async (_, macOf) => {
    const clock = new FakeClock();
    const mac = await macOf();
    const store = new ScriptedStore(clock, {
      accessToken: 'a.b.c',
      lifetimeMs: 120_000,
      remainingMs: 60_000,
      ...(mac === undefined ? {} : { mac }),
    });
    const { source, endpoint } = replica({ store, clock, endpoint: fetched() });
    const grant = await settle(clock, source.token(ask()));
    expect(grant.accessToken).toBe(FETCHED.accessToken);
    expect(endpoint.calls).toBe(1);
    expect(store.deleted).toContain('a.b.c');
  });

  it('shares a token whose MAC verifies under its key', async () => {
    const clock = new FakeClock();
    const value = await storedFor(HMAC_KEYS, {
      accessToken: 'a.b.c',
      lifetimeMs: 120_000,
      remainingMs: 60_000,
    });
    const store = new ScriptedStore(clock, value);
    const { source, endpoint } = replica({ store, clock, endpoint: fetched() });
    expect(await settle(clock, source.token(ask()))).toMatchObject({
      accessToken: 'a.b.c',
      shared: true,
    });
    expect(endpoint.calls).toBe(0);
    expect(store.deleted).toEqual([]);
  });

  it('takes a token without a MAC from a store that declares no key derivation (written before MACs)', async () => {
    const clock = new FakeClock();
    const store = new ScriptedStore(
      clock,
      { accessToken: 'a.b.c', lifetimeMs: 120_000, remainingMs: 60_000 },
      0,
      true,
    );
    const { source, endpoint, keys } = replica({ store, clock, endpoint: fetched() });
    await keys(); // scrypt, the default derivation, takes real time: derived before fake time moves
    expect(await settle(clock, source.token(ask()))).toMatchObject({
      accessToken: 'a.b.c',
      shared: true,
    });
    expect(endpoint.calls).toBe(0);
  });
});

describe('a request for a token fresh from the endpoint (fromEndpoint)', () => {
  it('never takes the stored token, and stores the fresh one for the other replicas', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const a = replica({ store, clock, endpoint: issuing('from-a') });
    const b = replica({ store, clock, endpoint: issuing('from-b') });
    const c = replica({ store, clock, endpoint: issuing('from-c') });
    expect((await a.source.token(ask())).accessToken).toBe('from-a');
    expect(await c.source.token(ask())).toMatchObject({ accessToken: 'from-a', shared: true });

    // A fresh, valid, authentic token is in the store, and it is not the stale one: still not taken.
    const fresh = await b.source.token(ask({ fromEndpoint: true }));
    expect(fresh.accessToken).toBe('from-b');
    expect(fresh.shared).toBeUndefined();
    expect(b.endpoint.calls).toBe(1);
    const { mustRefreshAt } = scheduleFor(fresh.obtainedAt!, 120_000, DEFAULT_REFRESH_POLICY);
    const key = (await b.keys()).name;
    expect(await store.get(key)).toMatchObject({
      accessToken: 'from-b',
      remainingMs: mustRefreshAt - clock.now(),
    });

    // The other replicas now get that token from the store.
    expect(await a.source.token(ask())).toMatchObject({ accessToken: 'from-b', shared: true });
    expect(await c.source.token(ask())).toMatchObject({ accessToken: 'from-b', shared: true });
    expect([a.endpoint.calls, c.endpoint.calls]).toEqual([1, 0]);
  });

  it('does not wait for the holder of the lease', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const b = replica({ store, clock, endpoint: issuing('from-b') });
    await store.acquireLease((await b.keys()).name, 60_000); // another replica is fetching
    // No time passes: the answer comes without a single poll.
    expect((await b.source.token(ask({ fromEndpoint: true }))).accessToken).toBe('from-b');
    expect(b.endpoint.calls).toBe(1);
  });

  it('makes one token request when the store fails to keep the fresh token', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    store.set = () => Promise.reject(new Error('READONLY'));
    const b = replica({ store, clock, endpoint: issuing('from-b') });
    expect((await b.source.token(ask({ fromEndpoint: true }))).accessToken).toBe('from-b');
    expect(b.endpoint.calls).toBe(1);
  });
});

describe('a token the API refused', () => {
  it('is deleted from the store while it is still the shared one: the next replica fetches its own', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const a = replica({ store, clock, endpoint: issuing('from-a') });
    const b = replica({ store, clock, endpoint: issuing('from-b') });
    await a.source.token(ask());
    a.source.refused('from-a');
    await flush();
    expect(await store.get((await a.keys()).name)).toBeUndefined();
    expect((await b.source.token(ask())).accessToken).toBe('from-b');
    expect(b.endpoint.calls).toBe(1);
  });

  it('leaves the store alone once another token replaced it', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const a = replica({ store, clock, endpoint: issuing('from-a') });
    const b = replica({ store, clock, endpoint: issuing('from-b') });
    await a.source.token(ask());
    await b.source.token(ask({ fromEndpoint: true })); // replaces it in the store
    a.source.refused('from-a'); // a 401 to the old token, seen late
    await flush();
    expect(await store.get((await a.keys()).name)).toMatchObject({ accessToken: 'from-b' });
  });

  it('never throws, nor rejects behind the back, when the store is down', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    store.deleteIfCurrent = () => Promise.reject(new Error('ECONNRESET'));
    const a = replica({ store, clock, endpoint: issuing('from-a') });
    await a.source.token(ask());
    expect(() => a.source.refused('from-a')).not.toThrow();
    await flush();
    expect(a.health).toEqual([{ healthy: false, reason: 'ECONNRESET' }]);
  });

  it('is deleted when the token cycle drops it, through the limiter that wraps the source', async () => {
    const clock = new FakeClock();
    const store = new InMemoryTokenStore(() => clock.now());
    const a = replica({ store, clock, endpoint: issuing('from-a') });
    const cycle = new TokenCycle({
      source: new ConcurrencyLimiter(1).limit(a.source),
      accountId: 'acme',
      clock,
    });
    expect(await cycle.token()).toBe('from-a');
    expect(cycle.invalidate('from-a')).toBe(true);
    await flush();
    expect(await store.get((await a.keys()).name)).toBeUndefined();
    cycle.close();
  });
});
