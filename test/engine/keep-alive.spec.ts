import { describe, expect, it } from 'vitest';
import { Waiters, setKeepAliveTimer } from '../../lib/engine/clock.js';
import { KeepAliveClock } from './keep-alive-clock.js';

describe('Waiters', () => {
  it('tells its listeners only when whether anyone waits changes', () => {
    const waiters = new Waiters();
    const changes: boolean[] = [];
    waiters.onChange(() => changes.push(waiters.active));
    const leaveA = waiters.join();
    const leaveB = waiters.join();
    leaveA();
    leaveA(); // leaving twice counts once
    expect(waiters.active).toBe(true);
    leaveB();
    expect(changes).toEqual([true, false]);
  });

  it('does not count a caller leaving after its request settled against the next request', () => {
    const waiters = new Waiters();
    const late = waiters.join();
    waiters.settle();
    expect(waiters.active).toBe(false);
    waiters.join(); // a caller of the next request
    late();
    expect(waiters.active).toBe(true);
  });
});

describe('setKeepAliveTimer', () => {
  it('is re-armed for the time left, ref or unref, as callers come and go, and fires once, on time', async () => {
    const clock = new KeepAliveClock();
    const waiters = new Waiters();
    const leave = waiters.join();
    let fired = 0;
    setKeepAliveTimer(clock, () => fired++, 1_000, waiters);
    expect(clock.armed).toEqual([{ ms: 1_000, keepAlive: true }]);
    await clock.advance(300);
    leave();
    expect(clock.armed).toEqual([{ ms: 700, keepAlive: false }]);
    await clock.advance(200);
    waiters.join();
    expect(clock.armed).toEqual([{ ms: 500, keepAlive: true }]);
    await clock.advance(499);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    waiters.settle();
    expect(clock.armed).toEqual([]); // fired: it follows the callers no more
  });

  it('once cancelled, is armed again by no change of the callers', () => {
    const clock = new KeepAliveClock();
    const waiters = new Waiters();
    setKeepAliveTimer(clock, () => {}, 1_000, waiters).cancel();
    waiters.join();
    expect(clock.armed).toEqual([]);
  });
});
