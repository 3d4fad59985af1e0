import type { Clock, TimerHandle } from './clock.js';

/**
 * Whether a caller's promise waits on some work now, with word of each change. The work's timers keep the
 * process alive exactly while one does: a delay a caller awaits must hold a script open (or the script exits
 * silently mid-wait), and one that nobody awaits any more must not (a script that gave up would hang on).
 */
export interface KeepAlive {
  /** A caller waits now. */
  readonly active: boolean;
  /** Calls `listener` after each change of `active`; returns the way to stop listening. */
  onChange(listener: () => void): () => void;
}

const unwatch = () => {};

/** Nobody waits, and nobody will: work done behind every caller's back. */
export const NOBODY_WAITS: KeepAlive = Object.freeze({ active: false, onChange: () => unwatch });

/**
 * The callers waiting on an engine's token request. Each caller joins, and leaves when its signal fires; the
 * request settling releases them all at once.
 */
export class Waiters implements KeepAlive {
  #count = 0;
  /** Bumped when a request settles, so that a caller leaving late does not count against the next one. */
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  get active(): boolean {
    return this.#count > 0;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One more caller waits; returns its way out (for when it stops waiting before the request settles). */
  join(): () => void {
    const generation = this.#generation;
    let left = false;
    this.#set(this.#count + 1);
    return () => {
      if (left || generation !== this.#generation) return;
      left = true;
      this.#set(this.#count - 1);
    };
  }

  /** The request settled: every caller has its answer. */
  settle(): void {
    this.#generation++;
    this.#set(0);
  }

  #set(count: number): void {
    const was = this.active;
    this.#count = count;
    if (was !== this.active) for (const listener of this.#listeners) listener();
  }
}

/**
 * A timer on `clock` that keeps the process alive while `keepAlive` is active and only then: re-armed for the
 * time left whenever that changes (a caller gave up, or one joined).
 */
export function setKeepAliveTimer(
  clock: Clock,
  fn: () => void,
  ms: number,
  keepAlive: KeepAlive,
): TimerHandle {
  let active = keepAlive.active;
  const due = clock.now() + (ms > 0 ? ms : 0);
  let timer: TimerHandle | undefined;
  const stop = keepAlive.onChange(() => {
    if (timer === undefined || keepAlive.active === active) return;
    active = keepAlive.active;
    timer.cancel();
    timer = clock.setTimer(fire, due - clock.now(), { keepAlive: active });
  });
  const fire = () => {
    stop();
    fn();
  };
  timer = clock.setTimer(fire, ms, { keepAlive: active });
  return {
    cancel: () => {
      stop();
      timer?.cancel();
    },
  };
}
