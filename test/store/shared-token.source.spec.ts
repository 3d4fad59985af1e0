import type { SendfactTokenStore, StoredToken } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_POLICY, scheduleFor } from '../../lib/engine/refresh-policy.js';
import type { TokenGrant } from '../../lib/interfaces/token-grant.interface.js';
import { NOBODY_WAITS } from '../../lib/engine/keep-alive.js';
import { SharedTokenSource } from '../../lib/store/shared-token.source.js';
import { deriveTokenKeys, storedTokenMac } from '../../lib/store/token-key.derivation.js';
import { FakeClock } from '../support/fake-clock.js';

const LOGIN = { username: 'USER20100070970', password: 'acme-pw' };
const SECRET = 'a-key-secret-of-16-bytes';
const BASE_URL = 'https://sendfact.test';
const FETCHED: TokenGrant = { accessToken: 'fetched.from.sendfact', lifetimeMs: 120_000 };

/** A store holding one value under every key, whose reads answer `delayMs` of fake time after they are sent. */
class ScriptedStore implements SendfactTokenStore {
  readonly keyDerivation = { hmacSecret: SECRET };
  readonly deleted: string[] = [];
  constructor(
    readonly clock: FakeClock,
    public value: StoredToken | undefined,
    public delayMs = 0,
  ) {}
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

function source(store: SendfactTokenStore, clock: FakeClock) {
  let direct = 0;
  const shared = new SharedTokenSource({
    store,
    policy: DEFAULT_REFRESH_POLICY,
    clock,
    baseUrl: BASE_URL,
    storeTimeoutMs: 60_000,
    leaseMs: 11_000,
    pollIntervalMs: 25,
    onStoreHealth: () => undefined,
  });
  const fetch = shared.fetcher(
    () => LOGIN,
    async () => {
      direct++;
      return FETCHED;
    },
    NOBODY_WAITS,
  );
  return { fetch, directCalls: () => direct };
}

/** Runs `fetch` while moving the fake clock until it settles. */
async function settle<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  const state = { done: false };
  void work.finally(() => (state.done = true)).catch(() => undefined);
  for (let i = 0; i < 100 && !state.done; i++) await clock.advance(1_000);
  return work;
}

describe('a token read from the shared store', () => {
  it('counts its remaining life from when the read was sent, not from when a slow answer came', async () => {
    const clock = new FakeClock();
    const keys = await deriveTokenKeys({ hmacSecret: SECRET }, BASE_URL, LOGIN);
    const mac = storedTokenMac(keys, 120_000, 'shared.jwt.token');
    const store = new ScriptedStore(
      clock,
      { accessToken: 'shared.jwt.token', lifetimeMs: 120_000, remainingMs: 50_000, mac },
      3_000, // the answer takes 3 s
    );
    const { fetch, directCalls } = source(store, clock);
    const sentAt = clock.now();
    const grant = await settle(clock, fetch(new AbortController().signal));
    expect(grant.accessToken).toBe('shared.jwt.token');
    expect(directCalls()).toBe(0);
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
      const store = new ScriptedStore(clock, {
        accessToken: token,
        lifetimeMs: life,
        remainingMs: left,
      });
      const { fetch, directCalls } = source(store, clock);
      const grant = await settle(clock, fetch(new AbortController().signal));
      expect(grant.accessToken).toBe(FETCHED.accessToken);
      expect(directCalls()).toBe(1);
      expect(store.deleted).toContain(token);
    },
  );
});

describe('the MAC stored with a shared token', () => {
  const OTHER = { username: 'USER20515809822', password: 'beta-pw' };
  it.each([
    ['no MAC, from a store that declares a key derivation', async () => undefined],
    [
      'the MAC of another credential (a value copied from its key)',
      async () =>
        storedTokenMac(
          await deriveTokenKeys({ hmacSecret: SECRET }, BASE_URL, OTHER),
          120_000,
          'a.b.c',
        ),
    ],
    [
      'a MAC over another lifetime',
      async () =>
        storedTokenMac(
          await deriveTokenKeys({ hmacSecret: SECRET }, BASE_URL, LOGIN),
          60_000,
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
    const { fetch, directCalls } = source(store, clock);
    const grant = await settle(clock, fetch(new AbortController().signal));
    expect(grant.accessToken).toBe(FETCHED.accessToken);
    expect(directCalls()).toBe(1);
    expect(store.deleted).toContain('a.b.c');
  });
});
