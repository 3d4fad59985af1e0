import { InMemoryTokenStore } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { NOBODY_WAITS, Waiters } from '../../lib/engine/clock.js';
import { TokenStoreGuard } from '../../lib/store/token-store.guard.js';
import { flush } from '../support/fake-clock.js';
import { KeepAliveClock } from '../engine/keep-alive-clock.js';
import { ask, replica } from './shared-store.kit.js';

const TIMEOUT_MS = 250;
const never = () => new Promise<never>(() => {});

function setup() {
  const clock = new KeepAliveClock();
  const store = new InMemoryTokenStore(() => clock.now());
  const health: boolean[] = [];
  const module = new AbortController();
  const guard = new TokenStoreGuard({
    store,
    clock,
    storeTimeoutMs: TIMEOUT_MS,
    closing: module.signal,
    onStoreHealth: (healthy) => health.push(healthy),
  });
  /** The module closes, as the accounts registry's close() does. */
  const close = () => module.abort(new Error('the module is closing'));
  return { clock, store, guard, health, close };
}

describe('a store call in flight when its signal fires', () => {
  it('rejects at once with the reason, leaves no timer, and marks no store down', async () => {
    const { clock, guard, health } = setup();
    const waiters = new Waiters();
    waiters.join();
    const controller = new AbortController();
    const call = guard.call(never, waiters, controller.signal);
    expect(clock.armed).toEqual([{ ms: TIMEOUT_MS, keepAlive: true }]);
    const reason = new Error('the cycle closed');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(clock.armed).toEqual([]);
    expect(health).toEqual([]);
  });

  it('rejects at once, without calling the store, when the signal fired before the call', async () => {
    const { clock, guard, health } = setup();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let called = 0;
    const answers = async () => ++called;
    await expect(guard.call(answers, NOBODY_WAITS, controller.signal)).rejects.toThrow('gone');
    expect(called).toBe(0);
    expect(clock.armed).toEqual([]);
    expect(health).toEqual([]);
  });

  it.each([
    ['on a store call', (store: InMemoryTokenStore) => (store.get = never)],
    [
      "between polls for the lease holder's token",
      (store: InMemoryTokenStore) => (store.acquireLease = async () => undefined),
    ],
  ])('ends the shared source at once, without a token request, %s', async (_, script) => {
    const { clock, store } = setup();
    script(store);
    const { source, endpoint } = replica({ store, clock, storeTimeoutMs: TIMEOUT_MS });
    const controller = new AbortController();
    const token = source.token(ask({ signal: controller.signal }));
    await flush();
    expect(clock.armed).toHaveLength(1);
    controller.abort(new Error('closing'));
    await expect(token).rejects.toThrow('closing');
    expect(clock.armed).toEqual([]);
    expect(endpoint.calls).toBe(0);
  });
});

describe('the module closing', () => {
  it('ends every call in flight at once, their timers with them', async () => {
    const { clock, guard, health, close } = setup();
    const waiters = new Waiters();
    waiters.join();
    const calls = [guard.call(never, waiters), guard.call(never, NOBODY_WAITS)];
    expect(clock.armed).toEqual([
      { ms: TIMEOUT_MS, keepAlive: true },
      { ms: TIMEOUT_MS, keepAlive: false },
    ]);
    close();
    for (const call of calls) await expect(call).rejects.toThrow('the module is closing');
    expect(clock.armed).toEqual([]);
    expect(health).toEqual([]);
  });

  it('makes every later call reject at once, without calling the store', async () => {
    const { clock, guard, close } = setup();
    close();
    let called = 0;
    const answers = async () => ++called;
    await expect(guard.call(answers, NOBODY_WAITS)).rejects.toThrow('the module is closing');
    expect(called).toBe(0);
    expect(clock.armed).toEqual([]);
  });

  it('ends the shared source waiting on the store at once, without a token request', async () => {
    const { clock, store } = setup();
    store.acquireLease = never;
    const { source, endpoint, close } = replica({ store, clock, storeTimeoutMs: TIMEOUT_MS });
    const token = source.token(ask());
    await flush();
    expect(clock.armed).toHaveLength(1);
    close();
    await expect(token).rejects.toThrow('the module is closing');
    expect(clock.armed).toEqual([]);
    expect(endpoint.calls).toBe(0);
  });
});
