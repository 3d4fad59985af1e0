import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactCredentialsError,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from '../sendfact-auth.errors.js';
import { type Clock, type TimerHandle, sleep, systemClock } from './clock.js';
import {
  DEFAULT_REFRESH_POLICY,
  MAX_TOKEN_LIFETIME_MS,
  type RefreshPolicy,
  backoffDelay,
  scheduleFor,
} from './refresh-policy.js';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenEngineOptions } from '../interfaces/token-engine-options.interface.js';
import type { TokenFetcher, TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenEngineStats, TokenState } from '../interfaces/token-state.interface.js';

interface HeldToken {
  readonly value: string;
  /** Resolved once; the hot path hands out this same promise. */
  readonly promise: Promise<string>;
  readonly obtainedAt: number;
  readonly lifetimeMs: number;
  readonly expiresAt: number;
  readonly refreshAt: number;
  readonly mustRefreshAt: number;
  /** Obtained to replace a token the API refused: if the API refuses this one too, it refuses fresh tokens. */
  readonly afterRefusal: boolean;
}

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
 * Knows nothing of HTTP or Nest: it calls `fetcher` and reads `clock`.
 */
export class TokenEngine {
  readonly accountId: string;
  readonly #fetcher: TokenFetcher;
  readonly #clock: Clock;
  readonly #policy: RefreshPolicy;
  readonly #random: () => number;
  readonly #onEvent: (event: TokenEngineEvent) => void;
  readonly #proactive: boolean;
  readonly #onWait: ((accountId: string) => void) | undefined;

  #token: HeldToken | undefined;
  #run: Run | undefined;
  #retryTimer: TimerHandle | undefined;
  #warmTimer: TimerHandle | undefined;
  /** A background refresh is not started before this (backoff after a background failure). */
  #nextBackgroundAttemptAt = 0;
  /** No token request is sent before this (the server's Retry-After). */
  #notBefore = 0;
  /**
   * Callers get this error back at once until `until`: after a failed wait, or after the API refused fresh
   * tokens, to avoid a request storm.
   */
  #cooldown: { until: number; error: SendfactAuthError } | undefined;
  #consecutiveFailures = 0;
  /** The token last dropped by `invalidate`, until a new one is held. */
  #dropped: string | undefined;
  /** The last drop was a refusal (`invalidate(token)`): the next token obtained replaces a refused one. */
  #refused = false;
  #lastError: { error: SendfactAuthError; at: number } | undefined;
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
    this.#random = options.random ?? Math.random;
    this.#onEvent = options.onEvent ?? noop;
    this.#proactive = options.proactiveRefresh ?? false;
    this.#onWait = options.onWait;
  }

  /**
   * The token, when one can be handed out without waiting; otherwise `undefined`. Starts a background
   * refresh when one is due. This is the hot path of every outbound request: one clock read, two compares.
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
      this.#cooldown = { until: now + cooldownMs, error };
      this.#lastError = { error, at: this.#clock.wallNow() };
    }
    this.#warmTimer?.cancel();
    this.#warmTimer = undefined;
    this.stats.invalidations++;
    this.#onEvent({ type: 'token-invalidated', accountId: this.accountId });
    return true;
  }

  /** A point-in-time view of the token, safe to log and to serve. */
  state(): TokenState {
    const now = this.#clock.now();
    const wall = this.#clock.wallNow();
    const toDate = (mono: number) => new Date(Math.round(wall + (mono - now)));
    const held = this.#token;
    const state: TokenState = {
      accountId: this.accountId,
      status: 'none',
      usable: false,
      refreshing: this.#run !== undefined,
      consecutiveFailures: this.#consecutiveFailures,
    };
    if (held !== undefined) {
      state.status =
        now < held.refreshAt ? 'valid' : now < held.mustRefreshAt ? 'refresh-due' : 'expired';
      state.usable = now < held.mustRefreshAt;
      state.obtainedAt = toDate(held.obtainedAt);
      state.refreshAt = toDate(held.refreshAt);
      state.expiresAt = toDate(held.expiresAt);
      state.lifetimeMs = held.lifetimeMs;
      state.fingerprint = createHash('sha256').update(held.value).digest('hex').slice(0, 12);
    }
    if (this.#lastError !== undefined) {
      const { error, at } = this.#lastError;
      state.lastError = { name: error.name, message: error.message, at: new Date(at) };
    }
    return state;
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

  #usable(): HeldToken | undefined {
    const held = this.#token;
    if (held === undefined) return undefined;
    const now = this.#clock.now();
    if (now < held.refreshAt) return held;
    if (now >= held.mustRefreshAt) return undefined;
    // Not before a Retry-After either: a background run never sleeps, so no timer of it keeps Node alive.
    if (
      this.#run === undefined &&
      now >= this.#nextBackgroundAttemptAt &&
      now >= this.#notBefore &&
      !this.#closed
    ) {
      this.#start(false);
    }
    return held;
  }

  #wait(signal: AbortSignal | undefined, force: boolean): Promise<string> {
    if (this.#closed)
      return Promise.reject(new SendfactAuthClosedError({ accountId: this.accountId }));
    if (signal?.aborted)
      return Promise.reject(new SendfactAbortedError({ accountId: this.accountId }));
    const now = this.#clock.now();
    if (!force) {
      const cooldown = this.#cooldown;
      if (cooldown !== undefined && now < cooldown.until) return Promise.reject(cooldown.error);
    }
    let run = this.#run;
    if (run === undefined) run = this.#start(true);
    else run.foreground = true;
    this.#onWait?.(this.accountId);
    const value = run.promise.then(valueOf);
    return signal === undefined ? value : this.#abortable(value, signal);
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
    run.promise = this.#attempts(run).finally(() => {
      if (this.#run === run) this.#run = undefined;
    });
    // A background run may fail with nobody waiting on it; that is reported as an event, not a crash.
    run.promise.catch(noop);
    return run;
  }

  async #attempts(run: Run): Promise<HeldToken> {
    const signal = run.controller.signal;
    for (let attempt = 1; ; attempt++) {
      const wait = this.#notBefore - this.#clock.now();
      // Only a run that callers wait on sleeps (see #usable), so the sleep keeps the process alive.
      if (wait > 0) await sleep(this.#clock, wait, signal, { keepAlive: true });
      const sentAt = this.#clock.now();
      this.stats.tokenRequests++;
      this.#onEvent({
        type: 'token-requested',
        accountId: this.accountId,
        attempt,
        background: !run.foreground,
      });
      let held: HeldToken;
      try {
        held = this.#hold(await this.#fetcher(signal, this.#token?.value ?? this.#dropped), sentAt);
      } catch (cause) {
        if (this.#closed) throw new SendfactAuthClosedError({ accountId: this.accountId });
        const error = this.#asAuthError(cause);
        const { retryInMs, askedTooLong } = this.#recordFailure(error);
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

  #hold(grant: TokenGrant, sentAt: number): HeldToken {
    const { accessToken, lifetimeMs } = grant;
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw new SendfactTokenResponseError('access_token is empty', { accountId: this.accountId });
    }
    if (!(Number.isFinite(lifetimeMs) && lifetimeMs > 0)) {
      throw new SendfactTokenResponseError('the token lifetime is not a positive finite number', {
        accountId: this.accountId,
      });
    }
    if (lifetimeMs > MAX_TOKEN_LIFETIME_MS) {
      throw new SendfactTokenResponseError(
        `the token lifetime (${Math.round(lifetimeMs)} ms) is longer than a day`,
        { accountId: this.accountId },
      );
    }
    // A start in the future would stretch the token's life; one that is not a number would void its dates.
    const obtainedAt =
      grant.obtainedAt !== undefined && Number.isFinite(grant.obtainedAt)
        ? Math.min(grant.obtainedAt, this.#clock.now())
        : sentAt;
    const schedule = scheduleFor(obtainedAt, lifetimeMs, this.#policy);
    if (this.#clock.now() >= schedule.mustRefreshAt) {
      // Handing it out could put an expired token on the wire: treat as a slow, retryable failure.
      throw new SendfactTokenRequestError(
        `the token arrived too late to be used safely (lifetime ${Math.round(lifetimeMs)} ms)`,
        { accountId: this.accountId, retryable: true },
      );
    }
    return {
      value: accessToken,
      promise: Promise.resolve(accessToken),
      obtainedAt,
      lifetimeMs,
      ...schedule,
      afterRefusal: this.#refused,
    };
  }

  #succeed(run: Run, held: HeldToken): void {
    const durationMs = this.#clock.now() - run.startedAt;
    this.#token = held;
    this.#dropped = undefined;
    this.#refused = false;
    this.#consecutiveFailures = 0;
    this.#cooldown = undefined;
    this.#notBefore = 0;
    this.#nextBackgroundAttemptAt = 0;
    this.stats.refreshes++;
    if (!run.foreground) this.stats.backgroundRefreshes++;
    this.stats.lastRefreshDurationMs = durationMs;
    this.#warmTimer?.cancel();
    // Nobody awaits the proactive refresh: it must not keep the process alive.
    this.#warmTimer = this.#proactive
      ? this.#clock.setTimer(
          () => {
            this.#warmTimer = undefined;
            this.#usable();
          },
          held.refreshAt - this.#clock.now(),
          { keepAlive: false },
        )
      : undefined;
    this.#onEvent({
      type: 'token-refreshed',
      accountId: this.accountId,
      lifetimeMs: held.lifetimeMs,
      durationMs,
      background: !run.foreground,
    });
  }

  /**
   * Counts a failed token request; returns how long to wait before the next one, and whether the server
   * asked for a longer wait than a caller should be held for.
   */
  #recordFailure(error: SendfactAuthError): { retryInMs: number; askedTooLong: boolean } {
    this.stats.tokenRequestFailures++;
    this.#consecutiveFailures++;
    this.#lastError = { error, at: this.#clock.wallNow() };
    const asked = error instanceof SendfactTokenRequestError ? (error.retryAfterMs ?? 0) : 0;
    // However long the server asks (a day, a date in the year 9999), token requests are held back no longer
    // than maxRetryAfterMs: the account must not stay locked once Sendfact answers again.
    const retryAfterMs = Math.min(asked, this.#policy.maxRetryAfterMs);
    if (retryAfterMs > 0) this.#notBefore = this.#clock.now() + retryAfterMs;
    return {
      retryInMs: Math.max(
        backoffDelay(this.#consecutiveFailures, this.#policy, this.#random),
        retryAfterMs,
      ),
      askedTooLong: asked > this.#policy.maxRetryAfterMs,
    };
  }

  #giveUp(run: Run, error: SendfactAuthError, attempt: number, retryInMs: number): void {
    const now = this.#clock.now();
    const held = this.#token;
    const credentials = error instanceof SendfactCredentialsError;
    const wait = credentials
      ? Math.max(retryInMs, this.#policy.credentialsErrorCooldownMs)
      : retryInMs;
    if (!run.foreground && held !== undefined && now < held.mustRefreshAt) {
      // Nobody is waiting and the held token still serves: try again later, behind the callers' backs.
      this.#nextBackgroundAttemptAt = now + wait;
      const again = error.retryable && now + wait < held.mustRefreshAt;
      if (again) {
        // Nobody awaits a background retry: it must not keep the process alive.
        this.#retryTimer = this.#clock.setTimer(
          () => {
            this.#retryTimer = undefined;
            this.#usable();
          },
          wait,
          { keepAlive: false },
        );
      }
      this.#emitFailure(error, attempt, run, again ? wait : undefined);
      return;
    }
    this.#cooldown = { until: now + wait, error };
    this.#emitFailure(error, attempt, run, undefined);
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

  #asAuthError(cause: unknown): SendfactAuthError {
    if (cause instanceof SendfactAuthError) return cause;
    return new SendfactTokenRequestError('the token request failed', {
      accountId: this.accountId,
      retryable: true,
      cause,
    });
  }

  #abortable(value: Promise<string>, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const onAbort = () =>
        reject(new SendfactAbortedError({ accountId: this.accountId, cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      value.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }
}

function valueOf(held: HeldToken): string {
  return held.value;
}
