import { Observable, Subject } from 'rxjs';
import { TokenRequestLimiter } from '../client/token-request.limiter.js';
import type { SendfactTokenEvent } from '../interfaces/sendfact-token-event.interface.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { SendfactTokenStore } from '../interfaces/sendfact-token-store.interface.js';
import type { TokenEngineStats } from '../interfaces/token-state.interface.js';
import {
  SHARED_TOKEN_POLL_INTERVAL_MS,
  TOKEN_LEASE_GRACE_MS,
  TOKEN_STORE_READY_BOUNDS,
  TOKEN_STORE_READY_MIN_WAIT_MS,
} from '../sendfact-auth.constants.js';
import { SendfactUnknownAccountError } from '../sendfact-auth.errors.js';
import { SendfactAuthLogger } from '../sendfact-auth.logger.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';
import type { SharedTokenContext } from '../store/shared-token.source.js';
import { tokenKeyring } from '../store/token-key.derivation.js';
import { TokenStoreGuard } from '../store/token-store.guard.js';
import { createSendfactTelemetry } from '../telemetry/sendfact.telemetry.js';
import type { SendfactTelemetryHooks } from '../telemetry/telemetry-hooks.interface.js';
import { AccountPool } from './account-pool.js';
import { mayHaveCredentials } from './credentials.resolution.js';
import { SendfactAccount, type SendfactAccountDeps } from './sendfact-account.js';

/**
 * Every account of the module: the default one (kept apart, never evicted, no lookup) and the others, made on
 * first use and dropped when idle. Also the one source of the token events, which the logger and the
 * telemetry follow. The provider behind `SENDFACT_ACCOUNTS`.
 */
export class SendfactAccounts {
  /** Token lifecycle events of every account. Completes on {@link close}. */
  readonly events$: Observable<SendfactTokenEvent>;
  /**
   * OpenTelemetry hooks, set by {@link init}; `undefined` before, and when telemetry is off or
   * `@opentelemetry/api` is absent.
   */
  telemetry: SendfactTelemetryHooks | undefined;
  /** The account of calls that name none, if there is one. */
  readonly default: SendfactAccount | undefined;
  readonly #options: ResolvedSendfactAuthOptions;
  readonly #store: SendfactTokenStore;
  readonly #events = new Subject<SendfactTokenEvent>();
  readonly #pool: AccountPool<SendfactAccount>;
  readonly #shared: SharedTokenContext;
  readonly #logger: SendfactAuthLogger;
  /** Duration of the most recent refresh of any account. */
  #lastRefreshDurationMs: number | undefined;

  constructor(
    options: ResolvedSendfactAuthOptions,
    fetcher: SendfactTokenFetcher,
    store: SendfactTokenStore,
  ) {
    this.#options = options;
    this.#store = store;
    this.events$ = this.#events.asObservable();
    this.#logger = new SendfactAuthLogger(options.defaultAccountId);
    this.#logger.follow(this.events$);
    const shared: SharedTokenContext = (this.#shared = {
      guard: new TokenStoreGuard({
        store,
        clock: options.clock,
        storeTimeoutMs: options.tokenStoreTimeoutMs,
        onStoreHealth: (healthy, reason) => {
          this.telemetry?.storeHealth(healthy); // telemetry
          this.#logger.storeHealth(healthy, reason);
        },
      }),
      keysFor: tokenKeyring(store.keyDerivation ?? 'scrypt', options.baseUrl),
      policy: options.refresh,
      clock: options.clock,
      leaseMs: options.timeoutMs + TOKEN_LEASE_GRACE_MS,
      pollIntervalMs: SHARED_TOKEN_POLL_INTERVAL_MS,
    });
    const deps: SendfactAccountDeps = {
      options,
      fetcher,
      shared,
      limiter: new TokenRequestLimiter(options.maxConcurrentTokenRequests),
      // Read when a token is fetched: accounts made before init() get the hooks all the same.
      telemetry: () => this.telemetry,
      onEvent: (event) => {
        if (event.type === 'token-refreshed') this.#lastRefreshDurationMs = event.durationMs;
        this.#events.next(event);
      },
    };
    this.#pool = new AccountPool({
      create: (accountId) => new SendfactAccount(accountId, deps),
      clock: options.clock,
      maxAccounts: options.maxAccounts,
      idleTtlMs: options.accountIdleTtlMs,
    });
    const defaultId = options.defaultAccountId;
    this.default = defaultId === undefined ? undefined : new SendfactAccount(defaultId, deps);
  }

  /**
   * The account `accountId` names (the default one when `undefined`), made on first use. Throws
   * `SendfactUnknownAccountError` when it has no credentials, and `SendfactTooManyAccountsError` when the
   * registry is full of accounts with token requests under way.
   */
  get(accountId: string | undefined): SendfactAccount {
    const id = accountId ?? this.#options.defaultAccountId;
    if (id === undefined) throw new SendfactUnknownAccountError(undefined);
    if (id === this.#options.defaultAccountId && this.default !== undefined) return this.default;
    if (!mayHaveCredentials(this.#options, id)) throw new SendfactUnknownAccountError(id);
    return this.#pool.get(id);
  }

  /** The account if it is held now; never makes one, never throws. */
  find(accountId: string | undefined): SendfactAccount | undefined {
    const id = accountId ?? this.#options.defaultAccountId;
    if (id === undefined) return undefined;
    if (id === this.#options.defaultAccountId && this.default !== undefined) return this.default;
    return this.#pool.peek(id);
  }

  /** Every account held now, the default one first. */
  *all(): Iterable<SendfactAccount> {
    if (this.default !== undefined) yield this.default;
    yield* this.#pool.accounts();
  }

  /** How many accounts are held now. */
  get size(): number {
    return (this.default === undefined ? 0 : 1) + this.#pool.size;
  }

  /** The counters of every account held now, summed. */
  totals(): TokenEngineStats {
    const total: TokenEngineStats = {
      tokenRequests: 0,
      tokenRequestFailures: 0,
      refreshes: 0,
      backgroundRefreshes: 0,
      invalidations: 0,
    };
    if (this.#lastRefreshDurationMs !== undefined)
      total.lastRefreshDurationMs = this.#lastRefreshDurationMs;
    for (const { cycle } of this.all()) {
      const s = cycle.stats;
      total.tokenRequests += s.tokenRequests;
      total.tokenRequestFailures += s.tokenRequestFailures;
      total.refreshes += s.refreshes;
      total.backgroundRefreshes += s.backgroundRefreshes;
      total.invalidations += s.invalidations;
    }
    return total;
  }

  /** Publishes an event that no token cycle emits (a request replayed by the interceptor). */
  emit(event: SendfactTokenEvent): void {
    this.#events.next(event);
  }

  /**
   * Starts the telemetry (its API is imported asynchronously), then waits (bounded) for the token store to
   * answer, so the app does not start serving with it still connecting. Returns the telemetry hooks.
   */
  async init(): Promise<SendfactTelemetryHooks | undefined> {
    this.telemetry ??= await createSendfactTelemetry(this.#options.telemetry, {
      events$: this.events$,
      clock: this.#options.clock,
      defaultAccountId: this.#options.defaultAccountId,
      accountsHeld: () => this.size,
      tokenObtainedAt: (accountId) => this.find(accountId)?.cycle.state().obtainedAt,
    });
    await this.#waitForStore();
    return this.telemetry;
  }

  async #waitForStore(): Promise<void> {
    const store = this.#store;
    if (store.ready === undefined) return;
    const boundMs = Math.max(
      TOKEN_STORE_READY_MIN_WAIT_MS,
      this.#options.tokenStoreTimeoutMs * TOKEN_STORE_READY_BOUNDS,
    );
    let timer: NodeJS.Timeout | undefined;
    const ready = await Promise.race([
      store.ready().then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => {
        // Not unref'd: app.init() waits on it, and a store that never answers must not end the process.
        timer = setTimeout(() => resolve(false), boundMs);
      }),
    ]);
    clearTimeout(timer);
    if (!ready) this.#logger.storeSlowAtStart(boundMs);
  }

  /** Stops every account, completes the events and closes the store. */
  async close(): Promise<void> {
    this.default?.close();
    this.#pool.close();
    this.#shared.guard.close();
    this.#events.complete();
    await this.#store.close?.();
  }
}
