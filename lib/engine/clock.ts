import type { Clock, KeepAlive, TimerHandle } from '../interfaces/clock.interface.js';

/** Node's timers hold at most 2^31 - 1 ms; a longer delay is armed in chunks of this size. */
const MAX_TIMER_CHUNK_MS = 2 ** 31 - 1;

/** The real clock: `performance.now()`, `Date.now()` and Node timers, `unref`'d unless `keepAlive`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(fn, ms, options) {
    const keepAlive = options?.keepAlive === true;
    // NaN and negative delays mean "now"; Infinity means "never", armed chunk by chunk like any long delay.
    const delay = ms > 0 ? ms : 0;
    const due = performance.now() + delay;
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      // Above 2^31 - 1 ms Node fires after 1 ms (with a TimeoutOverflowWarning): clamp and re-arm instead.
      timer = setTimeout(fire, Math.min(left, MAX_TIMER_CHUNK_MS));
      if (!keepAlive) timer.unref();
    };
    // Node counts a timer from the event loop's cached time, in whole ms, so it can fire before `ms` have
    // passed on performance.now(); the cycle would then find nothing due and drop the retry. Re-arm instead.
    const fire = () => {
      const left = due - performance.now();
      if (left > 0) arm(Math.ceil(left));
      else fn();
    };
    arm(delay);
    return { cancel: () => clearTimeout(timer) };
  },
};

const unwatch = () => {};

/** Nobody waits, and nobody will: work done behind every caller's back. */
export const NOBODY_WAITS: KeepAlive = Object.freeze({ active: false, onChange: () => unwatch });

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

/**
 * Resolves after `ms` on `clock`, or rejects with `signal.reason` when the signal fires first. The wait keeps
 * the process alive while `keepAlive` says a caller waits on it.
 */
export function sleep(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
  keepAlive: KeepAlive,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal.reason);
    };
    const timer = setKeepAliveTimer(
      clock,
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      ms,
      keepAlive,
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The callers waiting on some work (a token request). Each joins, and leaves when it stops waiting; the work
 * settling releases them all. The work's delays keep the process alive exactly while one waits.
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
