import {
  DEFAULT_REFRESH_POLICY,
  type SendfactTokenStore,
  type StoredToken,
  TokenEngine,
  type TokenFetcher,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { SharedTokenSource } from '../../lib/store/shared-token.source.js';
import { KeepAliveClock } from '../engine/keep-alive-clock.js';
import { flush } from '../support/fake-clock.js';

const LOGIN = { username: 'USER20100070970', password: 'acme-pw' };
const STORE_TIMEOUT_MS = 250;
const POLL_MS = 25;

/** A store with no token in it, whose lease another replica may hold, and whose reads may never answer. */
class ScriptedStore implements SendfactTokenStore {
  readonly keyDerivation = { hmacSecret: 'a-key-secret-of-16-bytes' };
  /** Another replica holds the lease: this one polls for its token. */
  leaseHeld = false;
  /** Reads never answer. */
  hung = false;
  get(): Promise<StoredToken | undefined> {
    return this.hung ? new Promise(() => {}) : Promise.resolve(undefined);
  }
  async set(): Promise<void> {}
  async deleteIfCurrent(): Promise<void> {}
  async acquireLease(): Promise<string | undefined> {
    return this.leaseHeld ? undefined : 'lease';
  }
  async releaseLease(): Promise<void> {}
}

/** An engine getting its tokens through the shared store, as an account of the module does. */
function setup() {
  const clock = new KeepAliveClock();
  const store = new ScriptedStore();
  const source = new SharedTokenSource({
    store,
    policy: DEFAULT_REFRESH_POLICY,
    clock,
    baseUrl: 'https://sendfact.test',
    storeTimeoutMs: STORE_TIMEOUT_MS,
    leaseMs: 11_000,
    pollIntervalMs: POLL_MS,
    onStoreHealth: () => undefined,
  });
  let issued = 0;
  let shared: TokenFetcher | undefined;
  const engine = new TokenEngine({
    fetcher: (signal, stale) => shared!(signal, stale),
    clock,
    random: () => 0.5,
  });
  shared = source.fetcher(
    () => LOGIN,
    async () => ({ accessToken: `token-${++issued}`, lifetimeMs: 120_000 }),
    engine.keepAlive,
  );
  return { clock, store, engine };
}

describe("the shared store's timers keep the process alive only while a caller waits", () => {
  it("polls for another replica's token without keeping the process alive during a background refresh", async () => {
    const { clock, store, engine } = setup();
    expect(await engine.getToken()).toBe('token-1');
    store.leaseHeld = true;
    await clock.advance(91_000); // past the refresh point (90 s of 120 s): a background refresh is due
    clock.history.length = 0;

    engine.peek();
    await flush();
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: false }]);
    await clock.advance(1_000); // 40 rounds of polls and store calls, nobody waiting on any of them
    expect(clock.history.length).toBeGreaterThan(40);
    expect(clock.history.filter((timer) => timer.keepAlive)).toEqual([]);

    // A caller joins (a forced refresh): from now on the polls hold the process open for it.
    const refreshed = engine.refresh();
    expect(clock.armed).toEqual([{ ms: expect.any(Number), keepAlive: true }]);
    await clock.advance(POLL_MS);
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: true }]);
    store.leaseHeld = false;
    await clock.advance(POLL_MS);
    expect(await refreshed).toBe('token-2');
  });

  it('lets the process go when the only caller waiting on the polls gives up', async () => {
    const { clock, store, engine } = setup();
    store.leaseHeld = true;
    const controller = new AbortController();
    const token = engine.getToken(controller.signal).catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: true }]);
    controller.abort();
    await token;
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: false }]);
  });

  it('bounds a store call that never answers with a timer that keeps the process alive while a caller waits', async () => {
    const { clock, store, engine } = setup();
    store.hung = true;
    const token = engine.getToken();
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: true }]);
    await clock.advance(STORE_TIMEOUT_MS);
    // The store counts as down for this call: the token comes from the token endpoint.
    expect(await token).toBe('token-1');
  });

  it('lets the process go when the engine closes while a caller waits on a store call that never answers', async () => {
    const { clock, store, engine } = setup();
    store.hung = true;
    const token = engine.getToken().catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: true }]);
    engine.close(); // app.close(): nothing it leaves may hold the process open
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: false }]);
    await clock.advance(STORE_TIMEOUT_MS);
    expect(await token).toMatchObject({ name: 'SendfactAuthClosedError' });
  });

  it('bounds a store call that never answers without keeping the process alive during a background refresh', async () => {
    const { clock, store, engine } = setup();
    expect(await engine.getToken()).toBe('token-1');
    store.hung = true;
    await clock.advance(91_000);
    engine.peek();
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: false }]);
    await clock.advance(STORE_TIMEOUT_MS);
    expect(engine.peek()).toBe('token-2');
  });
});
