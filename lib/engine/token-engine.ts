import { inspect } from 'node:util';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenEngineOptions } from '../interfaces/token-engine-options.interface.js';
import type { TokenFetcher } from '../interfaces/token-grant.interface.js';
import type { TokenEngineStats, TokenState } from '../interfaces/token-state.interface.js';
import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactTokenRejectedError,
} from '../sendfact-auth.errors.js';
import { abortable } from './abortable.js';
import { type Clock, systemClock } from './clock.js';
import { type HeldToken, holdGrant, tokenStateOf } from './held-token.js';
import { type KeepAlive, Waiters } from './keep-alive.js';
import { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from './refresh-policy.js';
import { RefreshTimers } from './refresh-timers.js';
import { decide } from './token-decision.js';
import { TokenFailures } from './token-failures.js';
import { TokenRun, type TokenRunHost } from './token-run.js';

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
  readonly #timers: RefreshTimers;
  readonly #waiters = new Waiters();
  /** What a run reads and changes of this engine. */
  readonly #host: TokenRunHost;

  #token: HeldToken | undefined;
  #run: TokenRun | undefined;
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
    this.#timers = new RefreshTimers(this.#clock, () => this.#usable());
    this.#host = {
      accountId: this.accountId,
      clock: this.#clock,
      policy: this.#policy,
      failures: this.#failures,
      timers: this.#timers,
      waiters: this.#waiters,
      stats: this.stats,
      onEvent: this.#onEvent,
      held: () => this.#token,
      fetch: (signal) => this.#fetcher(signal, this.#token?.value ?? this.#dropped),
      hold: (grant, at) => holdGrant(grant, at, this.#policy, this.accountId, this.#refused),
      succeed: (run, held) => this.#succeed(run, held),
    };
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
    this.#timers.cancelWarm();
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

  /**
   * @internal Whether a caller waits on the token request under way: the timers of that request (a shared
   * store's polls) keep the process alive only while one does.
   */
  get keepAlive(): KeepAlive {
    return this.#waiters;
  }

  /** Stops for good: aborts the token request under way, rejects its waiters, cancels every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#token = undefined;
    this.#timers.cancel();
    this.#run?.controller.abort(new SendfactAuthClosedError({ accountId: this.accountId }));
    // A run can outlive the abort by one call that does not listen to it (a store call, up to its time
    // limit): its callers get the closed error then, and meanwhile nothing it arms holds the process.
    this.#waiters.settle();
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
    // Joined before the run starts, so that a sleep it begins with keeps the process alive from the start.
    const leave = this.#waiters.join();
    let run = this.#run;
    if (run === undefined) run = this.#start(true);
    else run.foreground = true;
    this.#onWait?.(this.accountId);
    const value = run.promise.then(valueOf);
    return signal === undefined ? value : abortable(value, signal, this.accountId, leave);
  }

  #start(foreground: boolean): TokenRun {
    this.#timers.cancelRetry();
    const run = new TokenRun(this.#host, foreground);
    this.#run = run;
    this.#failures.refreshing = true;
    run.start(() => {
      if (this.#run !== run) return;
      this.#run = undefined;
      this.#failures.refreshing = false;
      this.#waiters.settle();
    });
    return run;
  }

  #succeed(run: TokenRun, held: HeldToken): void {
    const durationMs = this.#clock.now() - run.startedAt;
    this.#token = held;
    this.#dropped = undefined;
    this.#refused = false;
    this.#failures.clear();
    this.stats.refreshes++;
    if (!run.foreground) this.stats.backgroundRefreshes++;
    this.stats.lastRefreshDurationMs = durationMs;
    if (this.#proactive) this.#timers.warmIn(held.refreshAt - this.#clock.now());
    else this.#timers.cancelWarm();
    this.#onEvent({
      type: 'token-refreshed',
      accountId: this.accountId,
      lifetimeMs: held.lifetimeMs,
      durationMs,
      background: !run.foreground,
      shared: held.shared,
    });
  }
}

function valueOf(held: HeldToken): string {
  return held.value;
}
