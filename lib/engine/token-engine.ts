import { inspect } from 'node:util';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenEngineOptions } from '../interfaces/token-engine-options.interface.js';
import type { TokenFetcher } from '../interfaces/token-grant.interface.js';
import type { TokenEngineStats, TokenState } from '../interfaces/token-state.interface.js';
import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactCredentialsError,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
} from '../sendfact-auth.errors.js';
import { abortable } from './abortable.js';
import { type Clock, type TimerHandle, sleep, systemClock } from './clock.js';
import { type HeldToken, holdGrant, tokenStateOf } from './held-token.js';
import { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from './refresh-policy.js';
import { decide, requestDelay } from './token-decision.js';
import { TokenFailures } from './token-failures.js';

interface Run {
  promise: Promise<HeldToken>;
  readonly controller: AbortController;
  readonly startedAt: number;
  /** A caller waits on this run: retry transient failures instead of deferring to a timer. */
  foreground: boolean;
}

const noop = () => {};

/**
 * Holds one account's token: hands it out at once while valid, refreshes it ahead of expiry behind the
 * callers' backs, makes one token request however many callers wait (single flight), and backs off on failure.
 * What a call gets is `decide()`'s answer; the engine carries it out. Knows nothing of HTTP or Nest: it calls
 * `fetcher` and reads `clock`.
 */
export class TokenEngine {
  readonly accountId: string;
  readonly #fetcher: TokenFetcher;
  readonly #clock: Clock;
  readonly #policy: RefreshPolicy;
  readonly #onEvent: (event: TokenEngineEvent) => void;
  readonly #proactive: boolean;
  readonly #onWait: ((accountId: string) => void) | undefined;
  /** What holds token requests back after failures: the gates `decide()` reads. */
  readonly #failures: TokenFailures;

  #token: HeldToken | undefined;
  #run: Run | undefined;
  /** Background retry after a failure, and proactive refresh at the refresh point; nobody awaits either. */
  #retryTimer: TimerHandle | undefined;
  #warmTimer: TimerHandle | undefined;
  /** The token last dropped by `invalidate`, until a new one is held. */
  #dropped: string | undefined;
  /** The last drop was a refusal (`invalidate(token)`): the next token obtained replaces a refused one. */
  #refused = false;
  #closed = false;

  readonly stats: TokenEngineStats = {
    tokenRequests: 0,
    tokenRequestFailures: 0,
    refreshes: 0,
    backgroundRefreshes: 0,
    invalidations: 0,
  };

  constructor(options: TokenEngineOptions) {
    this.accountId = options.accountId ?? 'default';
    this.#fetcher = options.fetcher;
    this.#clock = options.clock ?? systemClock;
    this.#policy = options.policy ?? DEFAULT_REFRESH_POLICY;
    this.#onEvent = options.onEvent ?? noop;
    this.#proactive = options.proactiveRefresh ?? false;
    this.#onWait = options.onWait;
    this.#failures = new TokenFailures(this.#policy, options.random ?? Math.random);
  }

  /**
   * The token, when one can be handed out without waiting; otherwise `undefined`. Starts a background
   * refresh when one is due. This is the hot path of every outbound request: one clock read, one decision.
   */
  peek(): string | undefined {
    return this.#usable()?.value;
  }

  /** A valid token: at once while one is held, otherwise after the (shared) token request. */
  getToken(signal?: AbortSignal): Promise<string> {
    const held = this.#usable();
    return held !== undefined ? held.promise : this.#wait(signal, false);
  }

  /** A token obtained from now on, whatever is held: for callers that know the current one is bad. */
  refresh(signal?: AbortSignal): Promise<string> {
    return this.#wait(signal, true);
  }

  /**
   * Drops the held token. With `token`, only if it is still the one held, so that many requests failing
   * with the same stale token cause one new token request, not one each. `token` also says the API refused
   * it: when a token that replaced a refused one is refused too before its refresh point, the API refuses
   * fresh tokens, and callers get {@link SendfactTokenRejectedError} for `tokenRejectedCooldownMs` instead
   * of a token request each.
   */
  invalidate(token?: string): boolean {
    const held = this.#token;
    if (held === undefined || (token !== undefined && held.value !== token)) return false;
    const now = this.#clock.now();
    this.#token = undefined;
    this.#dropped = held.value;
    this.#refused = token !== undefined;
    if (this.#refused && held.afterRefusal && now < held.refreshAt) {
      const cooldownMs =
        this.#policy.tokenRejectedCooldownMs ?? DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!;
      const error = new SendfactTokenRejectedError(cooldownMs, { accountId: this.accountId });
      this.#failures.coolDown(now + cooldownMs, error, this.#clock.wallNow());
    }
    this.#warmTimer?.cancel();
    this.#warmTimer = undefined;
    this.stats.invalidations++;
    this.#onEvent({ type: 'token-invalidated', accountId: this.accountId });
    return true;
  }

  /** A point-in-time view of the token, safe to log and to serve. */
  state(): TokenState {
    const clock = { now: this.#clock.now(), wall: this.#clock.wallNow() };
    return tokenStateOf(this.accountId, this.#token, this.#failures, clock);
  }

  /** Whether a token request is under way. */
  get refreshing(): boolean {
    return this.#run !== undefined;
  }

  /** Stops for good: aborts the token request under way, rejects its waiters, cancels every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#token = undefined;
    this.#retryTimer?.cancel();
    this.#warmTimer?.cancel();
    this.#retryTimer = this.#warmTimer = undefined;
    this.#run?.controller.abort(new SendfactAuthClosedError({ accountId: this.accountId }));
  }

  [inspect.custom](): string {
    return `TokenEngine { accountId: '${this.accountId}', status: '${this.state().status}' }`;
  }

  /** The held token if `decide()` says to serve it, starting the background refresh it asks for. */
  #usable(): HeldToken | undefined {
    const held = this.#token;
    if (held === undefined) return undefined;
    switch (decide(this.#clock.now(), held, this.#failures, this.#policy).action) {
      case 'serve':
        return held;
      case 'serve-and-refresh':
        // decide() holds it back during a Retry-After: a background run never sleeps, so no timer of it
        // keeps Node alive.
        if (!this.#closed) this.#start(false);
        return held;
      default:
        return undefined;
    }
  }

  #wait(signal: AbortSignal | undefined, force: boolean): Promise<string> {
    if (this.#closed)
      return Promise.reject(new SendfactAuthClosedError({ accountId: this.accountId }));
    if (signal?.aborted)
      return Promise.reject(new SendfactAbortedError({ accountId: this.accountId }));
    if (!force) {
      const decision = decide(this.#clock.now(), this.#token, this.#failures, this.#policy);
      if (decision.action === 'fail-fast') return Promise.reject(decision.error);
    }
    let run = this.#run;
    if (run === undefined) run = this.#start(true);
    else run.foreground = true;
    this.#onWait?.(this.accountId);
    const value = run.promise.then(valueOf);
    return signal === undefined ? value : abortable(value, signal, this.accountId);
  }

  #start(foreground: boolean): Run {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    const run: Run = {
      controller: new AbortController(),
      startedAt: this.#clock.now(),
      foreground,
      promise: undefined as unknown as Promise<HeldToken>,
    };
    this.#run = run;
    this.#failures.refreshing = true;
    run.promise = this.#attempts(run).finally(() => {
      if (this.#run !== run) return;
      this.#run = undefined;
      this.#failures.refreshing = false;
    });
    // A background run may fail with nobody waiting on it; that is reported as an event, not a crash.
    run.promise.catch(noop);
    return run;
  }

  async #attempts(run: Run): Promise<HeldToken> {
    const signal = run.controller.signal;
    for (let attempt = 1; ; attempt++) {
      const wait = requestDelay(this.#clock.now(), this.#failures);
      // Only a run that callers wait on sleeps (see #usable), so the sleep keeps the process alive.
      if (wait > 0) await sleep(this.#clock, wait, signal, { keepAlive: true });
      const sentAt = this.#clock.now();
      this.stats.tokenRequests++;
      const background = !run.foreground;
      this.#onEvent({ type: 'token-requested', accountId: this.accountId, attempt, background });
      let held: HeldToken;
      try {
        const grant = await this.#fetcher(signal, this.#token?.value ?? this.#dropped);
        const at = { sentAt, now: this.#clock.now() };
        held = holdGrant(grant, at, this.#policy, this.accountId, this.#refused);
      } catch (cause) {
        if (this.#closed) throw new SendfactAuthClosedError({ accountId: this.accountId });
        const error = asAuthError(cause, this.accountId);
        this.stats.tokenRequestFailures++;
        const now = this.#clock.now();
        const { retryInMs, askedTooLong } = this.#failures.record(
          error,
          now,
          this.#clock.wallNow(),
        );
        const retryNow =
          run.foreground &&
          error.retryable &&
          attempt < this.#policy.maxAttempts &&
          !askedTooLong &&
          retryInMs <= this.#policy.maxRetryAfterMs;
        if (retryNow) {
          this.#emitFailure(error, attempt, run, retryInMs);
          // A caller's promise waits on this backoff: an unref'd timer would let a script exit mid-retry.
          await sleep(this.#clock, retryInMs, signal, { keepAlive: true });
          continue;
        }
        if (error instanceof SendfactTokenRequestError) error.attempts = attempt;
        this.#giveUp(run, error, attempt, retryInMs);
        throw error;
      }
      this.#succeed(run, held);
      return held;
    }
  }

  #succeed(run: Run, held: HeldToken): void {
    const durationMs = this.#clock.now() - run.startedAt;
    this.#token = held;
    this.#dropped = undefined;
    this.#refused = false;
    this.#failures.clear();
    this.stats.refreshes++;
    if (!run.foreground) this.stats.backgroundRefreshes++;
    this.stats.lastRefreshDurationMs = durationMs;
    this.#warmTimer?.cancel();
    this.#warmTimer = this.#proactive
      ? this.#lookAgainIn(held.refreshAt - this.#clock.now())
      : undefined;
    this.#onEvent({
      type: 'token-refreshed',
      accountId: this.accountId,
      lifetimeMs: held.lifetimeMs,
      durationMs,
      background: !run.foreground,
      shared: held.shared,
    });
  }

  /** Ends a run that will not retry now: defer to a background retry, or cool down the waiting callers. */
  #giveUp(run: Run, error: SendfactAuthError, attempt: number, retryInMs: number): void {
    const now = this.#clock.now();
    const held = this.#token;
    const wait =
      error instanceof SendfactCredentialsError
        ? Math.max(retryInMs, this.#policy.credentialsErrorCooldownMs)
        : retryInMs;
    if (!run.foreground && held !== undefined && now < held.mustRefreshAt) {
      // Nobody is waiting and the held token still serves: try again later, behind the callers' backs.
      this.#failures.backgroundNotBefore = now + wait;
      const again = error.retryable && now + wait < held.mustRefreshAt;
      if (again) this.#retryTimer = this.#lookAgainIn(wait);
      this.#emitFailure(error, attempt, run, again ? wait : undefined);
      return;
    }
    this.#failures.coolDown(now + wait, error);
    this.#emitFailure(error, attempt, run, undefined);
  }

  /**
   * A timer that looks at the token again in `inMs`, which starts the refresh `decide()` calls for then.
   * Nobody awaits it, so it must not keep the process alive.
   */
  #lookAgainIn(inMs: number): TimerHandle {
    const timer = this.#clock.setTimer(
      () => {
        if (this.#retryTimer === timer) this.#retryTimer = undefined;
        if (this.#warmTimer === timer) this.#warmTimer = undefined;
        this.#usable();
      },
      inMs,
      { keepAlive: false },
    );
    return timer;
  }

  #emitFailure(error: SendfactAuthError, attempt: number, run: Run, retryInMs: number | undefined) {
    const held = this.#token;
    this.#onEvent({
      type: 'refresh-failed',
      accountId: this.accountId,
      error,
      attempt,
      background: !run.foreground,
      ...(retryInMs === undefined ? {} : { retryInMs }),
      servingCachedToken: held !== undefined && this.#clock.now() < held.mustRefreshAt,
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

function valueOf(held: HeldToken): string {
  return held.value;
}
