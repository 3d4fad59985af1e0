import type { RefreshPolicy, TimerHandle, TimerOptions } from 'nestjs-sendfact-auth';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle } from '../../lib/engine/token-cycle.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeSource } from '../support/fake-fetcher.js';

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

/** A token cycle on a {@link KeepAliveClock}, with a scripted source and no jitter. */
export function cycleOnKeepAliveClock(
  policy: Partial<RefreshPolicy> = {},
  proactiveRefresh = false,
) {
  const clock = new KeepAliveClock();
  const source = new FakeSource();
  const cycle = new TokenCycle({
    source,
    accountId: 'default',
    clock,
    policy: { ...DEFAULT_REFRESH_POLICY, ...policy },
    random: () => 0.5,
    proactiveRefresh,
  });
  return { clock, source, cycle };
}
