import { describe, expect, it } from 'vitest';
import { systemClock } from 'nestjs-sendfact-auth';

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
