import { InMemoryTokenStore } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { NOBODY_WAITS, Waiters } from '../../lib/engine/clock.js';
import { StoreUnavailable, TokenStoreGuard } from '../../lib/store/token-store.guard.js';
import { flush } from '../support/fake-clock.js';
import { KeepAliveClock } from '../engine/keep-alive-clock.js';
import { ask, replica } from './shared-store.kit.js';

const TIMEOUT_MS = 250;
const never = () => new Promise<never>(() => {});

function setup() {
  const clock = new KeepAliveClock();
  const store = new InMemoryTokenStore(() => clock.now());
  const health: boolean[] = [];
  const guard = new TokenStoreGuard({
    store,
    clock,
    storeTimeoutMs: TIMEOUT_MS,
    onStoreHealth: (healthy) => health.push(healthy),
  });
  return { clock, store, guard, health };
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

  it('rejects at once when the signal fired before the call', async () => {
    const { clock, guard, health } = setup();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(guard.call(never, NOBODY_WAITS, controller.signal)).rejects.toThrow('gone');
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

describe('guard.close()', () => {
  it('ends every call in flight at once, their timers with them', async () => {
    const { clock, guard, health } = setup();
    const waiters = new Waiters();
    waiters.join();
    const calls = [guard.call(never, waiters), guard.call(never, NOBODY_WAITS)];
    expect(clock.armed).toEqual([
      { ms: TIMEOUT_MS, keepAlive: true },
      { ms: TIMEOUT_MS, keepAlive: false },
    ]);
    guard.close();
    for (const call of calls) await expect(call).rejects.toThrow('the module is closing');
    expect(clock.armed).toEqual([]);
    expect(health).toEqual([]);
  });

  it('makes every later call reject at once', async () => {
    const { clock, guard } = setup();
    guard.close();
    await expect(guard.call(never, NOBODY_WAITS)).rejects.toThrow('the module is closing');
    expect(clock.armed).toEqual([]);
  });

  it('ends the shared source waiting on the store at once, without a token request', async () => {
    const { clock, store } = setup();
    store.acquireLease = never;
    const { source, endpoint, guard } = replica({ store, clock, storeTimeoutMs: TIMEOUT_MS });
    const token = source.token(ask());
    await flush();
    expect(clock.armed).toHaveLength(1);
    guard.close();
    await expect(token).rejects.toThrow('the module is closing');
    expect(clock.armed).toEqual([]);
    expect(endpoint.calls).toBe(0);
  });
});

describe('many store calls at once', () => {
  it('wait on one guard without a MaxListenersExceededWarning (32 accounts, the default cap on token requests)', async () => {
    const { guard } = setup();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const calls = Array.from({ length: 32 }, () =>
        guard.call(never, NOBODY_WAITS).catch(() => undefined),
      );
      await flush(); // a warning is emitted on the next tick
      guard.close();
      await Promise.all(calls);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('a store call that outlives its bound', () => {
  it('fails as StoreUnavailable, reported down once; the next answer reports the store up once', async () => {
    const { clock, guard, health } = setup();
    const late = [guard.call(never, NOBODY_WAITS), guard.call(never, NOBODY_WAITS)];
    const failed = late.map((call) => call.catch((error: unknown) => error));
    await clock.advance(TIMEOUT_MS);
    for (const error of await Promise.all(failed)) expect(error).toBeInstanceOf(StoreUnavailable);
    expect(health).toEqual([false]);
    expect(await guard.call((store) => store.get('k'), NOBODY_WAITS)).toBeUndefined();
    expect(await guard.call((store) => store.get('k'), NOBODY_WAITS)).toBeUndefined();
    expect(health).toEqual([false, true]);
  });

  it('keeps the process alive only while a caller waits on it, for the time left', async () => {
    const { clock, guard } = setup();
    const waiters = new Waiters();
    const call = guard.call(never, waiters).catch((error: unknown) => error);
    expect(clock.armed).toEqual([{ ms: TIMEOUT_MS, keepAlive: false }]);
    await clock.advance(100);
    const leave = waiters.join();
    expect(clock.armed).toEqual([{ ms: TIMEOUT_MS - 100, keepAlive: true }]);
    leave();
    expect(clock.armed).toEqual([{ ms: TIMEOUT_MS - 100, keepAlive: false }]);
    await clock.advance(TIMEOUT_MS - 100);
    expect(await call).toBeInstanceOf(StoreUnavailable);
    expect(clock.armed).toEqual([]);
  });
});
