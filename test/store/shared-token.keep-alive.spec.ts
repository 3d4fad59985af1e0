import type { SendfactTokenStore, StoredToken } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { TokenCycle } from '../../lib/engine/token-cycle.js';
import { flush } from '../support/fake-clock.js';
import { KeepAliveClock } from '../engine/keep-alive-clock.js';
import { HMAC_KEYS, replica } from './shared-store.kit.js';

const STORE_TIMEOUT_MS = 250;
const POLL_MS = 25;

/** A store with no token in it, whose lease another replica may hold, and whose reads may never answer. */
class ScriptedStore implements SendfactTokenStore {
  readonly keyDerivation = HMAC_KEYS;
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

/** A token cycle getting its tokens through the shared store, as an account of the module does. */
function setup() {
  const clock = new KeepAliveClock();
  const store = new ScriptedStore();
  const { source, endpoint } = replica({
    store,
    clock,
    storeTimeoutMs: STORE_TIMEOUT_MS,
    pollIntervalMs: POLL_MS,
  });
  const cycle = new TokenCycle({ source, accountId: 'acme', clock, random: () => 0.5 });
  return { clock, store, cycle, endpoint };
}

describe("the shared store's timers keep the process alive only while a caller waits", () => {
  it("polls for another replica's token without keeping the process alive during a background refresh", async () => {
    const { clock, store, cycle } = setup();
    expect(await cycle.token()).toBe('token-1');
    store.leaseHeld = true;
    await clock.advance(91_000); // past the refresh point (90 s of 120 s): a background refresh is due
    clock.history.length = 0;

    cycle.current();
    await flush();
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: false }]);
    await clock.advance(1_000); // 40 rounds of polls and store calls, nobody waiting on any of them
    expect(clock.history.length).toBeGreaterThan(40);
    expect(clock.history.filter((timer) => timer.keepAlive)).toEqual([]);

    // A caller joins (a forced refresh): from now on the polls hold the process open for it.
    const refreshed = cycle.refresh();
    expect(clock.armed).toEqual([{ ms: expect.any(Number), keepAlive: true }]);
    await clock.advance(POLL_MS);
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: true }]);
    store.leaseHeld = false;
    await clock.advance(POLL_MS);
    expect(await refreshed).toBe('token-2');
  });

  it('lets the process go when the only caller waiting on the polls gives up', async () => {
    const { clock, store, cycle } = setup();
    store.leaseHeld = true;
    const controller = new AbortController();
    const token = cycle.token(controller.signal).catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: true }]);
    controller.abort();
    expect(await token).toMatchObject({ name: 'SendfactAbortedError' });
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: false }]);
    cycle.close();
  });

  it('stops polling at once when the cycle closes: no timer is left', async () => {
    const { clock, store, cycle, endpoint } = setup();
    store.leaseHeld = true;
    const token = cycle.token().catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: POLL_MS, keepAlive: true }]);
    cycle.close();
    expect(await token).toMatchObject({ name: 'SendfactAuthClosedError' });
    await flush();
    expect(clock.armed).toEqual([]);
    expect(endpoint.calls).toBe(0);
  });

  it('bounds a store call that never answers with a timer that keeps the process alive while a caller waits', async () => {
    const { clock, store, cycle } = setup();
    store.hung = true;
    const token = cycle.token();
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: true }]);
    await clock.advance(STORE_TIMEOUT_MS);
    // The store counts as down for this call: the token comes from the token endpoint.
    expect(await token).toBe('token-1');
    expect(clock.armed).toEqual([]);
  });

  it('ends a store call that never answers, and its timer, at once when the cycle closes', async () => {
    const { clock, store, cycle, endpoint } = setup();
    store.hung = true;
    const token = cycle.token().catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: true }]);
    cycle.close(); // app.close(): nothing it leaves may hold the process open, nor wait for the bound
    expect(await token).toMatchObject({ name: 'SendfactAuthClosedError' });
    await flush();
    expect(clock.armed).toEqual([]);
    // Closing is no store failure: no fall-back to the token endpoint.
    expect(endpoint.calls).toBe(0);
  });

  it('bounds a store call that never answers without keeping the process alive during a background refresh', async () => {
    const { clock, store, cycle } = setup();
    expect(await cycle.token()).toBe('token-1');
    store.hung = true;
    await clock.advance(91_000);
    cycle.current();
    await flush();
    expect(clock.armed).toEqual([{ ms: STORE_TIMEOUT_MS, keepAlive: false }]);
    await clock.advance(STORE_TIMEOUT_MS);
    expect(cycle.current()?.value).toBe('token-2');
  });
});
