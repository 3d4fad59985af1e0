import { inspect } from 'node:util';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { type SendfactCredentials, SendfactTokenClient } from './client/sendfact-token.client.js';
import { TokenRequestLimiter } from './client/token-request.limiter.js';
import { TokenEnginePool } from './engine/token-engine-pool.js';
import {
  TokenEngine,
  type TokenEngineEvent,
  type TokenFetcher,
  type TokenState,
} from './engine/token-engine.js';
import type {
  SendfactAuthStats,
  SendfactTokenEvent,
} from './interfaces/sendfact-token-event.interface.js';
import { SENDFACT_AUTH_OPTIONS, SENDFACT_LOGGER_CONTEXT } from './sendfact-auth.constants.js';
import {
  SendfactAuthError,
  SendfactCredentialsError,
  SendfactUnknownAccountError,
} from './sendfact-auth.errors.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';
import { SharedTokenSource } from './store/shared-token.source.js';
import { createSendfactTelemetry } from './telemetry/sendfact.telemetry.js';
import type { SendfactTelemetryHooks } from './telemetry/telemetry-hooks.interface.js';

/** Options of a single token call. */
export interface SendfactTokenCallOptions {
  /** Stop waiting when this fires; the token request goes on for the other callers. */
  signal?: AbortSignal;
}

/** How an account gets its tokens: its credentials (cached once resolved) and its fetcher. */
interface AccountSource {
  fetch: TokenFetcher;
  /** The credentials once known, to drop a rejected token from the shared store (its key needs them). */
  credentials(): SendfactCredentials | undefined;
}

/**
 * Hands out Sendfact bearer tokens, per account: cached, refreshed ahead of expiry in the background, one
 * token request however many callers wait (and, with a shared store, however many replicas). Inject it where
 * you need the token itself; for HTTP calls prefer `SendfactHttpService`, which attaches it for you.
 */
@Injectable()
export class SendfactAuthService implements OnModuleInit, OnModuleDestroy {
  /** Token lifecycle events; see {@link SendfactTokenEvent}. Completes when the module is destroyed. */
  readonly events$: Observable<SendfactTokenEvent>;
  /**
   * @internal OpenTelemetry hooks, set once the module is initialised; `undefined` before, and when telemetry
   * is off or `@opentelemetry/api` is absent.
   */
  telemetry: SendfactTelemetryHooks | undefined;

  readonly #options: ResolvedSendfactAuthOptions;
  readonly #client: SendfactTokenClient;
  /** Caps the token requests in flight across every account of this process. */
  readonly #limiter: TokenRequestLimiter;
  readonly #shared: SharedTokenSource;
  /** The default account's engine, kept out of the pool: it is never evicted and costs no lookup. */
  readonly #default: TokenEngine | undefined;
  readonly #pool: TokenEnginePool;
  readonly #sources = new WeakMap<TokenEngine, AccountSource>();
  readonly #events = new Subject<SendfactTokenEvent>();
  readonly #logger = new Logger(SENDFACT_LOGGER_CONTEXT);
  #replays = 0;
  /** Duration of the most recent refresh of any account. */
  #lastRefreshDurationMs: number | undefined;

  constructor(@Inject(SENDFACT_AUTH_OPTIONS) options: ResolvedSendfactAuthOptions) {
    this.#options = options;
    this.events$ = this.#events.asObservable();
    this.#client = new SendfactTokenClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      wallNow: () => options.clock.wallNow(),
      ...(options.http.httpAgent === undefined ? {} : { httpAgent: options.http.httpAgent }),
      ...(options.http.httpsAgent === undefined ? {} : { httpsAgent: options.http.httpsAgent }),
      ...(options.http.proxy === undefined ? {} : { proxy: options.http.proxy }),
    });
    this.#limiter = new TokenRequestLimiter(options.maxConcurrentTokenRequests);
    this.#shared = new SharedTokenSource({
      store: options.tokenStore,
      policy: options.refresh,
      clock: options.clock,
      baseUrl: options.baseUrl,
      storeTimeoutMs: options.tokenStoreTimeoutMs,
      // The holder may take a whole token request (and a retry) before others take over.
      leaseMs: options.timeoutMs + 1_000,
      pollIntervalMs: 25,
      onStoreHealth: (healthy, reason) => {
        this.telemetry?.storeHealth(healthy); // telemetry
        if (healthy) this.#logger.log('The token store answers again: tokens are shared again');
        else
          this.#logger.warn(
            `The token store failed (${reason}): each process gets its own tokens meanwhile`,
          );
      },
    });
    this.#pool = new TokenEnginePool({
      create: (accountId) => this.#createEngine(accountId),
      clock: options.clock,
      maxEngines: options.maxAccounts,
      idleTtlMs: options.accountIdleTtlMs,
    });
    const defaultId = options.defaultAccountId;
    this.#default = defaultId === undefined ? undefined : this.#createEngine(defaultId);
  }

  /** A valid access token: at once while one is held, otherwise after the one shared token request. */
  getAccessToken(accountId?: string, options?: SendfactTokenCallOptions): Promise<string> {
    const engine =
      this.#default !== undefined && accountId === undefined
        ? this.#default
        : this.#tryEngine(accountId);
    return engine instanceof TokenEngine
      ? engine.getToken(options?.signal)
      : Promise.reject(engine);
  }

  /** The token if one can be had without waiting (starting a background refresh if due), else `undefined`. */
  peekAccessToken(accountId?: string): string | undefined {
    const engine =
      this.#default !== undefined && accountId === undefined
        ? this.#default
        : this.#tryEngine(accountId);
    return engine instanceof TokenEngine ? engine.peek() : undefined;
  }

  /** Gets a new token now, even if the held one is still valid (joins a token request under way). */
  refreshAccessToken(accountId?: string, options?: SendfactTokenCallOptions): Promise<string> {
    const engine = this.#tryEngine(accountId);
    return engine instanceof TokenEngine ? engine.refresh(options?.signal) : Promise.reject(engine);
  }

  /**
   * Drops the held token so the next call gets a new one. With `token`, only if that token is still the one
   * held: many requests failing with the same stale token then cause a single token request (and, with a
   * shared store, the other replicas stop handing it out too).
   */
  invalidateAccessToken(options: { accountId?: string; token?: string } = {}): boolean {
    const engine = this.#tryEngine(options.accountId);
    if (!(engine instanceof TokenEngine) || !engine.invalidate(options.token)) return false;
    const credentials = this.#sources.get(engine)?.credentials();
    if (options.token !== undefined && credentials !== undefined) {
      void this.#shared.invalidate(credentials, options.token);
    }
    return true;
  }

  /** When the held token expires, or `undefined` when none is held. */
  getTokenExpiry(accountId?: string): Date | undefined {
    return this.getTokenState(accountId).expiresAt;
  }

  /** The token's state (validity, schedule, refreshing, last failure), safe to log or serve. */
  getTokenState(accountId?: string): TokenState {
    const engine = this.#tryEngine(accountId, false);
    if (engine instanceof TokenEngine) return engine.state();
    return {
      accountId: accountId ?? this.#options.defaultAccountId ?? '',
      status: 'none',
      usable: false,
      refreshing: false,
      consecutiveFailures: 0,
    };
  }

  /** Ids of the accounts that have a token engine now (configured ones in use, resolved ones not evicted). */
  get activeAccounts(): string[] {
    return [...this.#allEngines()].map((engine) => engine.accountId);
  }

  /** Counters summed over all accounts. */
  getStats(): SendfactAuthStats {
    const total: SendfactAuthStats = {
      tokenRequests: 0,
      tokenRequestFailures: 0,
      refreshes: 0,
      backgroundRefreshes: 0,
      invalidations: 0,
      replays: this.#replays,
    };
    if (this.#lastRefreshDurationMs !== undefined)
      total.lastRefreshDurationMs = this.#lastRefreshDurationMs;
    for (const engine of this.#allEngines()) {
      const s = engine.stats;
      total.tokenRequests += s.tokenRequests;
      total.tokenRequestFailures += s.tokenRequestFailures;
      total.refreshes += s.refreshes;
      total.backgroundRefreshes += s.backgroundRefreshes;
      total.invalidations += s.invalidations;
    }
    return total;
  }

  /** The Sendfact base URL and origin the tokens are for. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  get origin(): string {
    return this.#options.origin;
  }

  /** @internal Called by the interceptor when it replays a request after a 401. */
  recordReplay(accountId: string | undefined): void {
    this.#replays++;
    this.#events.next({
      type: 'request-replayed',
      accountId: accountId ?? this.#options.defaultAccountId ?? '',
    });
  }

  /** Waits (bounded) for the token store to answer, so the app does not start serving with it still connecting. */
  async onModuleInit(): Promise<void> {
    // telemetry: the API is imported asynchronously; engines made before read the hooks when they fetch.
    this.telemetry ??= await createSendfactTelemetry(this.#options.telemetry, {
      events$: this.events$,
      clock: this.#options.clock,
      defaultAccountId: this.#options.defaultAccountId,
      accountsHeld: () => (this.#default === undefined ? 0 : 1) + this.#pool.size,
      tokenObtainedAt: (accountId) => this.getTokenState(accountId).obtainedAt,
    });
    const store = this.#options.tokenStore;
    if (store.ready === undefined) return;
    const boundMs = Math.max(1_000, this.#options.tokenStoreTimeoutMs * 4);
    let timer: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      store.ready().then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), boundMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!ready) {
      this.#logger.warn(
        `The token store did not answer within ${boundMs} ms: each process gets its own tokens until it does`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.#default?.close();
    this.#pool.close();
    this.#events.complete();
    await this.#options.tokenStore.close?.();
  }

  [inspect.custom](): string {
    return `SendfactAuthService { baseUrl: '${this.#options.baseUrl}', accounts: ${this.activeAccounts.length} }`;
  }

  /** The engine of `accountId` (made on first use), or the error saying why there is none. */
  #tryEngine(accountId: string | undefined, create = true): TokenEngine | SendfactAuthError {
    const id = accountId ?? this.#options.defaultAccountId;
    if (id === undefined) {
      return new SendfactUnknownAccountError(undefined);
    }
    if (id === this.#options.defaultAccountId && this.#default !== undefined) return this.#default;
    if (
      this.#options.credentialsFor(id) === undefined &&
      this.#options.credentialsResolver === undefined
    ) {
      return new SendfactUnknownAccountError(id);
    }
    let engine: TokenEngine | undefined;
    try {
      engine = create ? this.#pool.get(id) : this.#pool.peek(id);
    } catch (error) {
      // The pool is full of accounts with token requests under way (SendfactTooManyAccountsError).
      if (error instanceof SendfactAuthError) return error;
      throw error;
    }
    return engine ?? new SendfactUnknownAccountError(id);
  }

  *#allEngines(): Iterable<TokenEngine> {
    if (this.#default !== undefined) yield this.#default;
    yield* this.#pool.engines();
  }

  #createEngine(accountId: string): TokenEngine {
    const source = this.#sourceFor(accountId);
    const engine = new TokenEngine({
      accountId,
      // telemetry: the token-request span around each fetch, and callers that wait counted.
      fetcher: (signal, stale) =>
        (this.telemetry?.wrapFetcher(accountId, source.fetch) ?? source.fetch)(signal, stale),
      onWait: (id) => this.telemetry?.callerWaited(id),
      clock: this.#options.clock,
      policy: this.#options.refresh,
      proactiveRefresh: this.#options.proactiveRefresh,
      onEvent: (event) => this.#onEngineEvent(event),
    });
    this.#sources.set(engine, source);
    return engine;
  }

  #sourceFor(accountId: string): AccountSource {
    if (accountId === this.#options.defaultAccountId && this.#options.tokenFetcher !== undefined) {
      return { fetch: this.#options.tokenFetcher, credentials: () => undefined };
    }
    let credentials: SendfactCredentials | undefined;
    const resolve = async (): Promise<SendfactCredentials> => {
      credentials ??= this.#options.credentialsFor(accountId) ?? (await this.#resolve(accountId));
      return credentials;
    };
    const direct: TokenFetcher = async (signal) => {
      const login = await resolve();
      try {
        return await this.#client.requestToken(login, signal, accountId);
      } catch (error) {
        // Rotated in the tenant database? Ask the resolver again next time.
        if (error instanceof SendfactCredentialsError) credentials = undefined;
        throw error;
      }
    };
    const shared = this.#shared.fetcher(resolve, direct);
    return {
      // The limiter slot is taken before the shared-store lease, so a lease is never held while waiting in
      // the limiter's queue (others would take over when it lapsed and ask Sendfact again).
      fetch: (signal, stale) => this.#limiter.run(() => shared(signal, stale), signal),
      credentials: () => credentials,
    };
  }

  async #resolve(accountId: string): Promise<SendfactCredentials> {
    const resolver = this.#options.credentialsResolver;
    if (resolver === undefined) throw new SendfactUnknownAccountError(accountId);
    let found: SendfactCredentials | undefined;
    try {
      found = await resolver(accountId);
    } catch (cause) {
      throw new SendfactAuthError(`The credentials resolver failed for account "${accountId}"`, {
        accountId,
        cause,
      });
    }
    if (
      found === undefined ||
      found === null ||
      typeof found.username !== 'string' ||
      typeof found.password !== 'string' ||
      found.username === '' ||
      found.password === ''
    ) {
      throw new SendfactUnknownAccountError(accountId);
    }
    return { username: found.username, password: found.password };
  }

  #onEngineEvent(event: TokenEngineEvent): void {
    const account =
      event.accountId === this.#options.defaultAccountId ? '' : ` for account "${event.accountId}"`;
    switch (event.type) {
      case 'token-refreshed':
        this.#lastRefreshDurationMs = event.durationMs;
        this.#logger.debug(
          `Token obtained${account}: lives ${Math.round(event.lifetimeMs / 1000)} s, took ${Math.round(event.durationMs)} ms` +
            (event.background ? ' (background refresh)' : ''),
        );
        break;
      case 'refresh-failed': {
        const next =
          event.retryInMs !== undefined ? `; retrying in ${Math.round(event.retryInMs)} ms` : '';
        const serving = event.servingCachedToken ? ' (still serving the valid token)' : '';
        const line = `Token request failed${account} (attempt ${event.attempt}): ${event.error.message}${next}${serving}`;
        if (event.servingCachedToken || event.retryInMs !== undefined) this.#logger.warn(line);
        else this.#logger.error(line);
        break;
      }
      case 'token-invalidated':
        this.#logger.debug(`Token dropped${account}; the next call gets a new one`);
        break;
      default:
        break;
    }
    this.#events.next(event);
  }
}
