import type { Clock, TimerHandle } from 'nestjs-sendfact-auth';

/**
 * A manual clock for the engine: time moves only when a test calls `advance` (the wall clock with it, unless
 * `jumpWall` moves it alone). Due timers fire in order of their time, then of their arming.
 */
export class FakeClock implements Clock {
  #now = 1_000;
  #wall = Date.UTC(2026, 10, 29, 12);
  #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wall;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { cancel: () => this.#timers.delete(id) };
  }

  /** Timers still pending. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves the wall clock alone (NTP step, VM resume): the monotonic clock does not follow. */
  jumpWall(ms: number): void {
    this.#wall += ms;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flush();
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= target)
        .toSorted((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#wall += due[1].at - this.#now;
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#wall += target - this.#now;
    this.#now = target;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}
