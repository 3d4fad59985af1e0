import {
  DEFAULT_REFRESH_POLICY,
  type RefreshPolicy,
  type TimerHandle,
  type TimerOptions,
  TokenEngine,
} from 'nestjs-sendfact-auth';
import { FakeClock } from '../support/fake-clock.js';
import { FakeFetcher } from '../support/fake-fetcher.js';

/** A pending timer, as it was armed. */
export interface ArmedTimer {
  readonly ms: number;
  readonly keepAlive: boolean;
}

/**
 * The fake clock, also telling which of its pending timers would keep the process alive: what Node would
 * do with them (`ref` or `unref`), without waiting to see whether a real process exits.
 */
export class KeepAliveClock extends FakeClock {
  readonly #pending = new Set<ArmedTimer>();
  /** Every timer armed, in order (a test may empty it). */
  readonly history: ArmedTimer[] = [];

  override setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const armed: ArmedTimer = { ms, keepAlive: options?.keepAlive === true };
    this.#pending.add(armed);
    this.history.push(armed);
    const handle = super.setTimer(() => {
      this.#pending.delete(armed);
      fn();
    }, ms);
    return {
      cancel: () => {
        this.#pending.delete(armed);
        handle.cancel();
      },
    };
  }

  /** The timers pending now, in the order they were armed. */
  get armed(): ArmedTimer[] {
    return [...this.#pending];
  }

  /** Whether any pending timer keeps the process alive. */
  get keepsAlive(): boolean {
    return this.armed.some((timer) => timer.keepAlive);
  }
}

/** An engine on a {@link KeepAliveClock}, with a scripted fetcher and no jitter. */
export function engineOnKeepAliveClock(
  policy: Partial<RefreshPolicy> = {},
  proactiveRefresh = false,
) {
  const clock = new KeepAliveClock();
  const fetcher = new FakeFetcher();
  const engine = new TokenEngine({
    fetcher: fetcher.fetch,
    clock,
    policy: { ...DEFAULT_REFRESH_POLICY, ...policy },
    random: () => 0.5,
    proactiveRefresh,
  });
  return { clock, fetcher, engine };
}
