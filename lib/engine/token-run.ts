import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenEngineStats } from '../interfaces/token-state.interface.js';
import {
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
} from '../sendfact-auth.errors.js';
import { type Clock, sleep } from './clock.js';
import type { HeldToken } from './held-token.js';
import type { Waiters } from './keep-alive.js';
import type { RefreshPolicy } from './refresh-policy.js';
import type { RefreshTimers } from './refresh-timers.js';
import { requestDelay } from './token-decision.js';
import type { TokenFailures } from './token-failures.js';

const noop = () => {};

/** What a run reads and changes of its engine. */
export interface TokenRunHost {
  readonly accountId: string;
  readonly clock: Clock;
  readonly policy: RefreshPolicy;
  readonly failures: TokenFailures;
  readonly timers: RefreshTimers;
  /** The callers waiting on the run: its sleeps keep the process alive while there is one. */
  readonly waiters: Waiters;
  readonly stats: TokenEngineStats;
  readonly onEvent: (event: TokenEngineEvent) => void;
  /** The token held now. */
  held(): HeldToken | undefined;
  /** One token request, told which token it replaces. */
  fetch(signal: AbortSignal): Promise<TokenGrant>;
  /** Checks a grant and turns it into the token to hold; throws for one no one should hold. */
  hold(grant: TokenGrant, at: { sentAt: number; now: number }): HeldToken;
  /** The run obtained `held`. */
  succeed(run: TokenRun, held: HeldToken): void;
}

/**
 * One token request of an engine, with its retries: on a transient failure while a caller waits, it backs
 * off and tries again, up to `maxAttempts`; otherwise it ends, deferring to a background retry or cooling the
 * callers down. Its sleeps keep the process alive only while a caller waits on them.
 */
export class TokenRun {
  /** Set by {@link start}. */
  promise!: Promise<HeldToken>;
  readonly controller = new AbortController();
  readonly startedAt: number;
  /**
   * A caller joined this run: retry transient failures instead of deferring to a timer (even once that caller
   * gave up; only the sleeps follow who still waits).
   */
  foreground: boolean;
  readonly #host: TokenRunHost;

  constructor(host: TokenRunHost, foreground: boolean) {
    this.#host = host;
    this.startedAt = host.clock.now();
    this.foreground = foreground;
  }

  /** Sends the first token request; `settled` is called once the run ends, either way. */
  start(settled: () => void): void {
    this.promise = this.#attempts().finally(settled);
    // A background run may fail with nobody waiting on it; that is reported as an event, not a crash.
    this.promise.catch(noop);
  }

  async #attempts(): Promise<HeldToken> {
    const { accountId, clock, policy, failures, stats } = this.#host;
    const signal = this.controller.signal;
    // A sleep keeps the process alive while a caller waits on it (an unref'd timer would let a script exit
    // mid-retry), and no longer once the last one gave up (a script that stopped waiting must be free to end).
    const followCallers = { keepAlive: this.#host.waiters };
    for (let attempt = 1; ; attempt++) {
      const wait = requestDelay(clock.now(), failures);
      if (wait > 0) await sleep(clock, wait, signal, followCallers);
      const sentAt = clock.now();
      stats.tokenRequests++;
      const background = !this.foreground;
      this.#host.onEvent({ type: 'token-requested', accountId, attempt, background });
      let held: HeldToken;
      try {
        const grant = await this.#host.fetch(signal);
        // A fetcher that did not listen to the abort: a token arriving after close() is not held.
        signal.throwIfAborted();
        held = this.#host.hold(grant, { sentAt, now: clock.now() });
      } catch (cause) {
        // Only close() aborts a run.
        if (signal.aborted) throw new SendfactAuthClosedError({ accountId });
        const error = asAuthError(cause, accountId);
        stats.tokenRequestFailures++;
        const { retryInMs, askedTooLong } = failures.record(error, clock.now(), clock.wallNow());
        const retryNow =
          this.foreground &&
          error.retryable &&
          attempt < policy.maxAttempts &&
          !askedTooLong &&
          retryInMs <= policy.maxRetryAfterMs;
        if (retryNow) {
          this.#failed(error, attempt, retryInMs);
          await sleep(clock, retryInMs, signal, followCallers);
          continue;
        }
        if (error instanceof SendfactTokenRequestError) error.attempts = attempt;
        this.#giveUp(error, attempt, retryInMs);
        throw error;
      }
      this.#host.succeed(this, held);
      return held;
    }
  }

  /** Ends a run that will not retry now: defer to a background retry, or cool down the waiting callers. */
  #giveUp(error: SendfactAuthError, attempt: number, retryInMs: number): void {
    const { clock, policy, failures } = this.#host;
    const now = clock.now();
    const held = this.#host.held();
    const wait =
      error instanceof SendfactCredentialsError
        ? Math.max(retryInMs, policy.credentialsErrorCooldownMs)
        : retryInMs;
    if (!this.foreground && held !== undefined && now < held.mustRefreshAt) {
      // Nobody is waiting and the held token still serves: try again later, behind the callers' backs.
      failures.backgroundNotBefore = now + wait;
      const again = error.retryable && now + wait < held.mustRefreshAt;
      if (again) this.#host.timers.retryIn(wait);
      this.#failed(error, attempt, again ? wait : undefined);
      return;
    }
    failures.coolDown(now + wait, error);
    this.#failed(error, attempt, undefined);
  }

  /** Reports a failed attempt, and when the engine will try again on its own, if it will. */
  #failed(error: SendfactAuthError, attempt: number, retryInMs: number | undefined): void {
    const held = this.#host.held();
    this.#host.onEvent({
      type: 'refresh-failed',
      accountId: this.#host.accountId,
      error,
      attempt,
      background: !this.foreground,
      ...(retryInMs === undefined ? {} : { retryInMs }),
      servingCachedToken: held !== undefined && this.#host.clock.now() < held.mustRefreshAt,
    });
  }
}

function asAuthError(cause: unknown, accountId: string): SendfactAuthError {
  if (cause instanceof SendfactAuthError) return cause;
  return new SendfactTokenRequestError('the token request failed', {
    accountId,
    retryable: true,
    cause,
  });
}
