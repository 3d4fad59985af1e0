import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOBODY_WAITS, Waiters, sleep, systemClock } from '../../lib/engine/clock.js';

describe('systemClock.setTimer', () => {
  it('never calls back before its delay has passed on the monotonic clock, fractional delays included', async () => {
    const early: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const ms = 2 + (i % 10) * 0.37;
        const start = systemClock.now();
        return new Promise<void>((resolve) =>
          systemClock.setTimer(() => {
            if (systemClock.now() - start < ms) early.push(i);
            resolve();
          }, ms),
        );
      }),
    );
    expect(early).toEqual([]);
  });

  it('does not call back once cancelled', async () => {
    let called = false;
    systemClock.setTimer(() => (called = true), 1).cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(called).toBe(false);
  });
});

describe('systemClock.setTimer, long delays', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('arms a delay above 2^31 - 1 ms in chunks: one Node timer at a time, fired once, never early', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const ms = 2 ** 31 + 5_000;
    let fired = 0;
    systemClock.setTimer(() => fired++, ms);
    // Node (and the fake timers) fire an overflowing timeout after 1 ms: re-armed every ms, forever.
    vi.advanceTimersByTime(1_000);
    expect(armed.mock.calls.length).toBe(1);
    expect(armed.mock.calls.map(([, delay]) => delay ?? 0).filter((d) => d > 2 ** 31 - 1)).toEqual(
      [],
    );
    vi.advanceTimersByTime(ms - 1_000 - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    expect(armed.mock.calls.length).toBe(2); // one full chunk, then the rest
  });

  it('waits forever on Infinity without spinning, and can still be cancelled', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const armed = vi.spyOn(globalThis, 'setTimeout');
    let fired = false;
    const timer = systemClock.setTimer(() => (fired = true), Infinity);
    vi.advanceTimersByTime(10_000);
    expect(armed.mock.calls.length).toBe(1);
    timer.cancel();
    expect(vi.getTimerCount()).toBe(0);
    expect(fired).toBe(false);
  });
});

/** The Node timers armed while `fn` runs, with whether each keeps the process alive. */
function armedBy(fn: () => void): boolean[] {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  fn();
  const timers = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
  const refs = timers.map((t) => t.hasRef());
  for (const t of timers) clearTimeout(t);
  spy.mockRestore();
  return refs;
}

describe('systemClock.setTimer and sleep, keeping the process alive', () => {
  afterEach(() => vi.restoreAllMocks());

  it('does not keep the process alive by default (background timers), only with keepAlive', () => {
    expect(armedBy(() => systemClock.setTimer(() => {}, 50))).toEqual([false]);
    expect(armedBy(() => systemClock.setTimer(() => {}, 50, { keepAlive: false }))).toEqual([
      false,
    ]);
    expect(armedBy(() => systemClock.setTimer(() => {}, 50, { keepAlive: true }))).toEqual([true]);
  });

  it('keeps the process alive while a caller waits on a sleep, and not when nobody waits', () => {
    const signal = new AbortController().signal;
    const waiters = new Waiters();
    waiters.join();
    expect(armedBy(() => void sleep(systemClock, 50, signal, waiters))).toEqual([true]);
    expect(armedBy(() => void sleep(systemClock, 50, signal, NOBODY_WAITS))).toEqual([false]);
  });
});
