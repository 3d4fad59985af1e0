/** A cancellable timer. */
export interface TimerHandle {
  /** Stops the timer; nothing happens if it has fired already. */
  cancel(): void;
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
  /** Calls `fn` once `now()` has advanced by `ms`, never earlier; the timer must not keep the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** The real clock: `performance.now()`, `Date.now()` and `unref`'d timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(fn, ms) {
    // Node counts a timer from the event loop's cached time, in whole ms, so it can fire before `ms` have
    // passed on performance.now(); the engine would then find nothing due and drop the retry. Re-arm instead.
    const due = performance.now() + ms;
    let timer: NodeJS.Timeout;
    const arm = (delay: number) => {
      timer = setTimeout(fire, delay);
      timer.unref();
    };
    const fire = () => {
      const left = due - performance.now();
      if (left > 0) arm(Math.ceil(left));
      else fn();
    };
    arm(ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Resolves after `ms` on `clock`, or rejects with `signal.reason` when the signal fires first. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal.reason);
    };
    const timer = clock.setTimer(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
