import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import type { Clock, KeepAlive } from '../interfaces/clock.interface.js';
import type {
  CallerSignal,
  HeldToken,
  Replacement,
  TokenCycleOptions,
  TokenSchedule,
  Want,
} from '../interfaces/token-cycle.interface.js';
import type { RefreshPolicy } from '../interfaces/refresh-policy.interface.js';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenSource } from '../interfaces/token-source.interface.js';
import type { TokenEngineStats, TokenState } from '../interfaces/token-state.interface.js';
import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from '../sendfact-auth.errors.js';
import { Waiters, sleep } from './clock.js';
import { DEFAULT_REFRESH_POLICY, MAX_TOKEN_LIFETIME_MS } from './refresh-policy.js';

// One account's token, read top to bottom: the schedule of a token (when it is refreshed, when it may no
// longer be handed out), the decision of what a caller gets, the token request with its retries, the timers
// nobody awaits, the memory of failures, and what a 401 from the API costs. Nothing here knows HTTP or Nest:
// tokens come from a TokenSource, time from a Clock.

// ---------------------------------------------------------------------------------------------------------
// The schedule of a token.

export function scheduleFor(
  obtainedAt: number,
  lifetimeMs: number,
  policy: RefreshPolicy,
): TokenSchedule {
  const margin = Math.min(lifetimeMs * policy.safetyMarginRatio, policy.maxSafetyMarginMs);
  const mustRefreshAt = obtainedAt + lifetimeMs - margin;
  const refreshAt = Math.min(obtainedAt + lifetimeMs * policy.refreshAheadRatio, mustRefreshAt);
  return { expiresAt: obtainedAt + lifetimeMs, refreshAt, mustRefreshAt };
}

/** One token request under way, with its retries. */
interface Run {
  promise: Promise<HeldToken>;
  readonly controller: AbortController;
  readonly startedAt: number;
  readonly stale: string | undefined;
  readonly fromEndpoint: boolean;
  /** A caller waits on it: transient failures are retried at once rather than on a background timer. */
  foreground: boolean;
}

/** How many refused tokens, and paths that refused fresh ones, are remembered: a bound, not a tuning knob. */
const MEMORY = 256;
const noop = () => {};

/**
 * Holds one account's token. A caller gets the held token at once while it is before its safety margin; past
 * its refresh point one refresh runs behind the callers' backs. Without a usable token, callers share one token
 * request (single flight), retried with backoff while they wait. After a 401 from the API the cycle decides
 * what the request is sent again with (see {@link refused}), so that a revocation fails no caller and a path
 * that always answers 401 costs one token request per window.
 */
export class TokenCycle {
  readonly accountId: string;
  readonly stats: TokenEngineStats = {
    tokenRequests: 0,
    tokenRequestFailures: 0,
    refreshes: 0,
    backgroundRefreshes: 0,
    invalidations: 0,
  };

  readonly #source: TokenSource;
  readonly #clock: Clock;
  readonly #policy: Required<RefreshPolicy>;
  readonly #proactive: boolean;
  readonly #onEvent: (event: TokenEngineEvent) => void;
  readonly #onWait: () => void;
  readonly #random: () => number;
  readonly #waiters = new Waiters();

  #held: HeldToken | undefined;
  /** The token last dropped, until another is held: the next token request must not bring it back. */
  #dropped: string | undefined;
  #run: Run | undefined;
  #closed = false;
  // The memory of failed token requests: what holds the next one back.
  #consecutiveFailures = 0;
  #lastFailure: { error: SendfactAuthError; at: number } | undefined;
  /** No token request before this: the server's Retry-After, capped. */
  #notBefore = 0;
  /** No background refresh before this: the backoff after a background failure. */
  #backgroundNotBefore = 0;
  /** Callers that would wait get `error` at once until `until` (refused credentials, retries spent). */
  #cooldown: { until: number; error: SendfactAuthError } | undefined;
  // The memory of 401s.
  /** When each refused token was first refused. */
  readonly #refusedAt = new Map<string, number>();
  /** Paths (method and path) that refused a token fresh from the endpoint, until when that is remembered. */
  readonly #refusingPaths = new Map<string, number>();
  /** Paths that refused a fresh token since the API last accepted one: two or more, and it refuses them all. */
  readonly #refusedSinceAccepted = new Set<string>();
  // The timers nobody awaits: the retry after a background failure, the refresh at the refresh point.
  #retryTimer: { cancel(): void } | undefined;
  #warmTimer: { cancel(): void } | undefined;

  constructor(options: TokenCycleOptions) {
    this.accountId = options.accountId;
    this.#source = options.source;
    this.#clock = options.clock;
    this.#policy = { ...DEFAULT_REFRESH_POLICY, ...options.policy } as Required<RefreshPolicy>;
    this.#proactive = options.proactiveRefresh ?? false;
    this.#onEvent = options.onEvent ?? noop;
    this.#onWait = options.onWait ?? noop;
    this.#random = options.random ?? Math.random;
  }

  // -------------------------------------------------------------------------------------------------------
  // What a caller gets.

  /**
   * The held token if it may be handed out now, starting the refresh that is due; otherwise `undefined`. The hot
   * path of every outbound request: one clock read, two comparisons.
   */
  current(): HeldToken | undefined {
    const held = this.#held;
    if (held === undefined) return undefined;
    const now = this.#clock.now();
    if (now < held.refreshAt) return held;
    if (now >= held.mustRefreshAt) return undefined;
    // In the refresh window: one refresh behind the callers' backs, unless one runs or a backoff holds it.
    if (
      this.#run === undefined &&
      !this.#closed &&
      now >= this.#backgroundNotBefore &&
      now >= this.#notBefore
    ) {
      const run = this.#newRun(false, {});
      run.promise = this.#attempts(run);
      // Nobody waits on it: a failure is an event, never an unhandled rejection.
      run.promise.catch(noop);
    }
    return held;
  }

  /** The token's value: at once while one is held, otherwise after the shared token request. */
  token(signal?: CallerSignal): Promise<string> {
    const held = this.current();
    return held !== undefined ? held.promise : this.next(signal).then(valueOf);
  }

  /** A token obtained from now on, whatever is held (joins a token request under way). */
  refresh(signal?: CallerSignal): Promise<string> {
    return this.next(signal, { force: true, stale: this.#held?.value }).then(valueOf);
  }

  /**
   * Drops the held token (only if it is still `token`, when given, so that many requests failing with the
   * same token cause one token request). With `token`, the API refused it: a shared source stops handing it out.
   */
  invalidate(token?: string): boolean {
    const held = this.#held;
    if (held === undefined || (token !== undefined && held.value !== token)) return false;
    if (token !== undefined) this.#refusedAtOf(token, this.#clock.now());
    this.#drop(held, token !== undefined);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------
  // What a 401 leads to. Three rules, the earlier winning: a revocation fails no caller; a 401 goes back to its
  // caller only after a replay with a token the endpoint issued after the token sent was refused; a path that
  // refused such a fresh token costs no further token request within `tokenRejectedCooldownMs`.

  /**
   * The API answered 401 on `path` to a request sent with `sent`. `after` is when the token of the request's
   * previous attempt was first refused (undefined on the first attempt). Returns which token to send it again
   * with, or `undefined` when the 401 goes back to the caller.
   */
  refused(sent: HeldToken, path: string, after: number | undefined): Replacement | undefined {
    const now = this.#clock.now();
    if (after !== undefined && !sent.shared && sent.requestedAt >= after) {
      // A token fresh from the endpoint, issued after the last refusal, refused too: this path refuses tokens
      // the API accepts elsewhere, or the API refuses every token. Either way the 401 goes back.
      this.#remember(this.#refusingPaths, path, now + this.#policy.tokenRejectedCooldownMs);
      this.#refusedSinceAccepted.add(path);
      return undefined;
    }
    const until = this.#refusingPaths.get(path);
    if (until !== undefined) {
      if (now < until) return undefined;
      this.#refusingPaths.delete(path);
    }
    const refusedAt = this.#refusedAtOf(sent.value, now);
    if (this.#held?.value === sent.value) this.#drop(this.#held, true);
    // The second replay needs a token the endpoint issued after this one was refused: a stored one that was
    // refused too proves nothing.
    return { stale: sent.value, fromEndpoint: after !== undefined, after: refusedAt };
  }

  /** The token to send a refused request again with (see {@link refused}). */
  replacement(replacement: Replacement, signal?: CallerSignal): Promise<HeldToken> {
    return this.next(signal, replacement);
  }

  /** The API accepted a request of this account: the paths that refused fresh tokens refuse them alone. */
  accepted(): void {
    if (this.#refusedSinceAccepted.size !== 0) this.#refusedSinceAccepted.clear();
  }

  /**
   * How long from now paths keep refusing fresh tokens, when two or more have refused them and none accepted a
   * token since (the API refuses the tokens its endpoint issues); otherwise `undefined`.
   */
  refusedEverywhereFor(): number | undefined {
    if (this.#refusedSinceAccepted.size < 2) return undefined;
    const now = this.#clock.now();
    let until = 0;
    for (const path of this.#refusedSinceAccepted)
      until = Math.max(until, this.#refusingPaths.get(path) ?? 0);
    return until > now ? until - now : undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Waiting for a token request.

  /**
   * A token that may be sent: the held one, or the one the token request under way (or a new one) brings.
   * `want` says which will do after a refusal (see {@link Replacement}), or asks for a new one (`force`).
   */
  next(signal?: CallerSignal, want: Want = {}): Promise<HeldToken> {
    if (this.#closed)
      return Promise.reject(new SendfactAuthClosedError({ accountId: this.accountId }));
    if (signal?.aborted)
      return Promise.reject(
        new SendfactAbortedError({ accountId: this.accountId, cause: signal.reason }),
      );
    if (!want.force) {
      const held = this.current();
      if (held !== undefined && qualifies(held, want)) return Promise.resolve(held);
    }
    const run = this.#run;
    if (run !== undefined) {
      if (want.force || runQualifies(run, want)) return this.#join(run, signal);
      // A request under way that cannot bring the token wanted: wait for it, then look again.
      const again = () => this.next(signal, want);
      return this.#join(run, signal).then(again, again);
    }
    const cooldown = this.#cooldown;
    if (!want.force && cooldown !== undefined && this.#clock.now() < cooldown.until)
      return Promise.reject(cooldown.error);
    const started = this.#newRun(true, want);
    started.promise = this.#attempts(started);
    return this.#join(started, signal);
  }

  /** Waits on `run`; a caller whose signal fires stops waiting, and all stop at once when the cycle closes. */
  #join(run: Run, signal: CallerSignal | undefined): Promise<HeldToken> {
    run.foreground = true;
    const leave = this.#waiters.join();
    this.#onWait();
    const closing = run.controller.signal;
    return new Promise<HeldToken>((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        closing.removeEventListener('abort', onClose);
      };
      const onAbort = () => {
        done();
        leave();
        reject(new SendfactAbortedError({ accountId: this.accountId, cause: signal?.reason }));
      };
      const onClose = () => {
        done();
        reject(new SendfactAuthClosedError({ accountId: this.accountId }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      closing.addEventListener('abort', onClose, { once: true });
      run.promise.then(
        (held) => {
          done();
          resolve(held);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // The token request, with its retries.

  /** A token request about to start: the one under way from now on. Its caller starts `#attempts` on it. */
  #newRun(foreground: boolean, want: Want): Run {
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    const run: Run = {
      promise: undefined as unknown as Promise<HeldToken>,
      controller: new AbortController(),
      startedAt: this.#clock.now(),
      stale: want.stale ?? this.#held?.value ?? this.#dropped,
      fromEndpoint: want.fromEndpoint === true,
      foreground,
    };
    // Every caller waiting on the run listens to its signal (for close()): hundreds are not a leak.
    setMaxListeners(0, run.controller.signal);
    this.#run = run;
    return run;
  }

  async #attempts(run: Run): Promise<HeldToken> {
    const signal = run.controller.signal;
    const keepAlive: KeepAlive = this.#waiters;
    try {
      for (let attempt = 1; ; attempt++) {
        const wait = this.#notBefore - this.#clock.now();
        if (wait > 0) await sleep(this.#clock, wait, signal, keepAlive);
        const sentAt = this.#clock.now();
        this.#onEvent({
          type: 'token-requested',
          accountId: this.accountId,
          attempt,
          background: !run.foreground,
        });
        let held: HeldToken;
        try {
          const grant = await this.#source.token({
            signal,
            stale: run.stale,
            fromEndpoint: run.fromEndpoint,
            keepAlive,
          });
          // A source that did not listen to the abort: a token arriving after close() is not held.
          signal.throwIfAborted();
          held = this.#hold(grant, sentAt);
        } catch (cause) {
          // Only close() aborts a run.
          if (signal.aborted) throw new SendfactAuthClosedError({ accountId: this.accountId });
          const error = asAuthError(cause, this.accountId);
          const { retryInMs, askedTooLong } = this.#recordFailure(error);
          if (
            run.foreground &&
            error.retryable &&
            attempt < this.#policy.maxAttempts &&
            !askedTooLong &&
            retryInMs <= this.#policy.maxRetryAfterMs
          ) {
            this.#failed(run, error, attempt, retryInMs);
            await sleep(this.#clock, retryInMs, signal, keepAlive);
            continue;
          }
          if (error instanceof SendfactTokenRequestError) error.attempts = attempt;
          this.#giveUp(run, error, attempt, retryInMs);
          throw error;
        }
        // A token taken from a shared store is no token request: the replica that made it counted it.
        if (!held.shared) this.stats.tokenRequests++;
        this.#succeed(run, held);
        return held;
      }
    } finally {
      if (this.#run === run) {
        this.#run = undefined;
        this.#waiters.settle();
      }
    }
  }

  /**
   * Checks a grant and turns it into the token to hold. Throws {@link SendfactTokenResponseError} for a token
   * or lifetime no one should hold, and a retryable error for one that arrived too late to be sent safely.
   */
  #hold(grant: TokenGrant, sentAt: number): HeldToken {
    const { accessToken, lifetimeMs } = grant;
    const ids = { accountId: this.accountId };
    if (typeof accessToken !== 'string' || accessToken.length === 0)
      throw new SendfactTokenResponseError('access_token is empty', ids);
    if (!(Number.isFinite(lifetimeMs) && lifetimeMs > 0))
      throw new SendfactTokenResponseError(
        'the token lifetime is not a positive finite number',
        ids,
      );
    if (lifetimeMs > MAX_TOKEN_LIFETIME_MS)
      throw new SendfactTokenResponseError(
        `the token lifetime (${Math.round(lifetimeMs)} ms) is longer than a day`,
        ids,
      );
    const now = this.#clock.now();
    // A start in the future would stretch the token's life; one that is not a number would void its dates.
    const obtainedAt =
      grant.obtainedAt !== undefined && Number.isFinite(grant.obtainedAt)
        ? Math.min(grant.obtainedAt, now)
        : sentAt;
    const schedule = scheduleFor(obtainedAt, lifetimeMs, this.#policy);
    if (now >= schedule.mustRefreshAt)
      throw new SendfactTokenRequestError(
        `the token arrived too late to be used safely (lifetime ${Math.round(lifetimeMs)} ms)`,
        { ...ids, retryable: true },
      );
    return {
      value: accessToken,
      promise: Promise.resolve(accessToken),
      obtainedAt,
      lifetimeMs,
      ...schedule,
      requestedAt: sentAt,
      shared: grant.shared === true,
    };
  }

  #succeed(run: Run, held: HeldToken): void {
    const durationMs = this.#clock.now() - run.startedAt;
    this.#held = held;
    this.#dropped = undefined;
    this.#consecutiveFailures = 0;
    this.#cooldown = undefined;
    this.#notBefore = 0;
    this.#backgroundNotBefore = 0;
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

  /** Counts a failure; returns the wait before the next request, and whether the server asked too long. */
  #recordFailure(error: SendfactAuthError): { retryInMs: number; askedTooLong: boolean } {
    const now = this.#clock.now();
    this.stats.tokenRequests++;
    this.stats.tokenRequestFailures++;
    this.#consecutiveFailures++;
    this.#lastFailure = { error, at: this.#clock.wallNow() };
    const asked = error instanceof SendfactTokenRequestError ? (error.retryAfterMs ?? 0) : 0;
    // However long the server asks (a day, a date in the year 9999), token requests are held back no longer
    // than maxRetryAfterMs: the account must not stay locked once Sendfact answers again.
    const retryAfterMs = Math.min(asked, this.#policy.maxRetryAfterMs);
    if (retryAfterMs > 0) this.#notBefore = now + retryAfterMs;
    // Exponential from retryBaseDelayMs, capped, with equal jitter (half fixed, half random).
    const { retryBaseDelayMs, retryMaxDelayMs } = this.#policy;
    const exp = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** (this.#consecutiveFailures - 1));
    const backoff = exp / 2 + this.#random() * (exp / 2);
    return {
      retryInMs: Math.max(backoff, retryAfterMs),
      askedTooLong: asked > this.#policy.maxRetryAfterMs,
    };
  }

  /** Ends a run that will not retry now: a background retry while the held token serves, else a cooldown. */
  #giveUp(run: Run, error: SendfactAuthError, attempt: number, retryInMs: number): void {
    const now = this.#clock.now();
    const held = this.#held;
    const wait =
      error instanceof SendfactCredentialsError
        ? Math.max(retryInMs, this.#policy.credentialsErrorCooldownMs)
        : retryInMs;
    if (!run.foreground && held !== undefined && now < held.mustRefreshAt) {
      this.#backgroundNotBefore = now + wait;
      const again = error.retryable && now + wait < held.mustRefreshAt;
      if (again) {
        this.#retryTimer?.cancel();
        this.#retryTimer = this.#lookAgainIn(wait);
      }
      this.#failed(run, error, attempt, again ? wait : undefined);
      return;
    }
    this.#cooldown = { until: now + wait, error };
    this.#failed(run, error, attempt, undefined);
  }

  #failed(run: Run, error: SendfactAuthError, attempt: number, retryInMs?: number): void {
    const held = this.#held;
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

  /** A timer nobody awaits: when it fires, the cycle looks at its token again (and refreshes if due). */
  #lookAgainIn(ms: number): { cancel(): void } {
    const timer = this.#clock.setTimer(
      () => {
        if (this.#retryTimer === timer) this.#retryTimer = undefined;
        if (this.#warmTimer === timer) this.#warmTimer = undefined;
        this.current();
      },
      ms,
      { keepAlive: false },
    );
    return timer;
  }

  // -------------------------------------------------------------------------------------------------------
  // Dropping a token, the state shown, closing.

  #drop(held: HeldToken, refused: boolean): void {
    this.#held = undefined;
    this.#dropped = held.value;
    this.#warmTimer?.cancel();
    this.#warmTimer = undefined;
    this.stats.invalidations++;
    this.#onEvent({ type: 'token-invalidated', accountId: this.accountId });
    if (refused) this.#source.refused?.(held.value);
  }

  #refusedAtOf(token: string, now: number): number {
    const at = this.#refusedAt.get(token);
    if (at !== undefined) return at;
    this.#remember(this.#refusedAt, token, now);
    return now;
  }

  /** Sets `key` in a map that keeps the newest {@link MEMORY} entries. */
  #remember<K>(map: Map<K, number>, key: K, value: number): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MEMORY) map.delete(map.keys().next().value as K);
  }

  /** A point-in-time view of the token, safe to log and to serve: dates, never the token. */
  state(): TokenState {
    const now = this.#clock.now();
    const wall = this.#clock.wallNow();
    const toDate = (mono: number) => new Date(Math.round(wall + (mono - now)));
    const held = this.#held;
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
    const last = this.#lastFailure;
    if (last !== undefined)
      state.lastError = {
        name: last.error.name,
        message: last.error.message,
        at: new Date(last.at),
      };
    return state;
  }

  /** Whether a token request is under way (an account that is busy is never evicted). */
  get refreshing(): boolean {
    return this.#run !== undefined;
  }

  /** Stops for good: aborts the token request under way, fails its waiters at once, cancels every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held = undefined;
    this.#retryTimer?.cancel();
    this.#warmTimer?.cancel();
    this.#run?.controller.abort(new SendfactAuthClosedError({ accountId: this.accountId }));
    // A source that does not listen to the abort may never settle: the run is over for the cycle all the same.
    this.#run = undefined;
    this.#waiters.settle();
  }

  [inspect.custom](): string {
    return `TokenCycle { accountId: '${this.accountId}', status: '${this.state().status}' }`;
  }
}

function valueOf(held: HeldToken): string {
  return held.value;
}

/** Whether a usable held token is the one wanted. */
function qualifies(held: HeldToken, want: Want): boolean {
  if (held.value === want.stale) return false;
  if (!want.fromEndpoint) return true;
  return !held.shared && held.requestedAt >= (want.after ?? -Infinity);
}

/**
 * Whether the token request under way can bring the token wanted: it replaces the same token (a shared source
 * never hands back the one it replaces), and comes from the endpoint, sent after `after`, when that is wanted.
 */
function runQualifies(run: Run, want: Want): boolean {
  if (want.stale !== undefined && run.stale !== want.stale) return false;
  if (!want.fromEndpoint) return true;
  return run.fromEndpoint && run.startedAt >= (want.after ?? -Infinity);
}

function asAuthError(cause: unknown, accountId: string): SendfactAuthError {
  if (cause instanceof SendfactAuthError) return cause;
  return new SendfactTokenRequestError('the token request failed', {
    accountId,
    retryable: true,
    cause,
  });
}
