import { type KeepAlive, setKeepAliveTimer } from './keep-alive.js';

/** A cancellable timer. */
export interface TimerHandle {
  /** Stops the timer; nothing happens if it has fired already. */
  cancel(): void;
}

/** Options of {@link Clock.setTimer}. */
export interface TimerOptions {
  /**
   * Whether the timer keeps the process alive until it fires. Default `false`: a timer nobody awaits (a
   * background refresh, a sweep) must not hold a script open. Pass `true` for a delay that a caller's promise
   * waits on (a retry backoff), or a script awaiting a token would exit silently in the middle of it.
   */
  keepAlive?: boolean;
}

/**
 * Time as the token engine sees it. Lifetimes use a monotonic clock, so a wall-clock jump (NTP, a VM
 * resumed) neither expires a good token nor keeps a dead one.
 */
export interface Clock {
  /** Monotonic milliseconds; only differences between two readings mean anything. */
  now(): number;
  /** Wall-clock epoch milliseconds; used only to read a JWT's `exp` claim. */
  wallNow(): number;
  /**
   * Calls `fn` once `now()` has advanced by `ms`, never earlier. The timer does not keep the process alive
   * unless `options.keepAlive` is true (a clock written before that option existed may ignore it).
   */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
}

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
    // passed on performance.now(); the engine would then find nothing due and drop the retry. Re-arm instead.
    const fire = () => {
      const left = due - performance.now();
      if (left > 0) arm(Math.ceil(left));
      else fn();
    };
    arm(delay);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Options of {@link sleep}. */
export interface SleepOptions {
  /**
   * Whether the sleep keeps the process alive. Default `true`: whoever awaits a sleep depends on it. A
   * {@link KeepAlive} makes it follow the callers that wait on the work (re-armed when the last one gives up).
   */
  keepAlive?: boolean | KeepAlive;
}

/** Resolves after `ms` on `clock`, or rejects with `signal.reason` when the signal fires first. */
export function sleep(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
  options: SleepOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal.reason);
    };
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const keepAlive = options.keepAlive ?? true;
    const timer =
      typeof keepAlive === 'boolean'
        ? clock.setTimer(done, ms, { keepAlive })
        : setKeepAliveTimer(clock, done, ms, keepAlive);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
