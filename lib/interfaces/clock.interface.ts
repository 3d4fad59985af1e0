/** A cancellable timer. */
export interface TimerHandle {
  /** Stops the timer; nothing happens if it has fired already. */
  cancel(): void;
}

/** Options of {@link Clock.setTimer}. */
export interface TimerOptions {
  /**
   * Whether the timer keeps the process alive until it fires. Default `false`: a timer nobody awaits (a
   * background refresh, a sweep) must not hold a script open. `true` for a delay that a caller's promise waits
   * on (a retry backoff), or a script awaiting a token would exit silently in the middle of it.
   */
  keepAlive?: boolean;
}

/**
 * Time as the module sees it (the `clock` option, for tests with fake time). Lifetimes use a monotonic clock,
 * so a wall-clock jump (NTP, a VM resumed) neither expires a good token nor keeps a dead one.
 */
export interface Clock {
  /** Monotonic milliseconds; only differences between two readings mean anything. */
  now(): number;
  /** Wall-clock epoch milliseconds; used only for dates shown and a JWT's `exp` claim. */
  wallNow(): number;
  /**
   * Calls `fn` once `now()` has advanced by `ms`, never earlier. The timer does not keep the process alive
   * unless `options.keepAlive` is true (a clock written before that option existed may ignore it).
   */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
}

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
