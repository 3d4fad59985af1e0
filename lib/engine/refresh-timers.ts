import type { Clock, TimerHandle } from './clock.js';

/**
 * An engine's two background timers: the retry after a background failure, and the proactive refresh at the
 * refresh point. Each makes the engine look at its token again (`lookAgain`), which starts the refresh
 * `decide()` calls for then. Nobody awaits either, so neither keeps the process alive.
 */
export class RefreshTimers {
  readonly #clock: Clock;
  readonly #lookAgain: () => void;
  #retry: TimerHandle | undefined;
  #warm: TimerHandle | undefined;

  constructor(clock: Clock, lookAgain: () => void) {
    this.#clock = clock;
    this.#lookAgain = lookAgain;
  }

  /** Tries again in `ms`, behind the callers' backs (a background refresh failed; the held token serves). */
  retryIn(ms: number): void {
    this.#retry?.cancel();
    this.#retry = this.#arm(ms);
  }

  /** Refreshes in `ms` though no caller asks (proactive refresh), instead of when armed before. */
  warmIn(ms: number): void {
    this.#warm?.cancel();
    this.#warm = this.#arm(ms);
  }

  cancelRetry(): void {
    this.#retry?.cancel();
    this.#retry = undefined;
  }

  cancelWarm(): void {
    this.#warm?.cancel();
    this.#warm = undefined;
  }

  cancel(): void {
    this.cancelRetry();
    this.cancelWarm();
  }

  #arm(ms: number): TimerHandle {
    const timer = this.#clock.setTimer(
      () => {
        if (this.#retry === timer) this.#retry = undefined;
        if (this.#warm === timer) this.#warm = undefined;
        this.#lookAgain();
      },
      ms,
      { keepAlive: false },
    );
    return timer;
  }
}
