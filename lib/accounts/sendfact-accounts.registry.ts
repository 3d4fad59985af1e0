import { setMaxListeners } from 'node:events';
import { Observable, Subject } from 'rxjs';
import { ConcurrencyLimiter } from '../client/token-request.limiter.js';
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
import { SendfactAuthClosedError, SendfactUnknownAccountError } from '../sendfact-auth.errors.js';
import { SendfactAuthLogger } from '../sendfact-auth.logger.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';
import type { SharedTokenContext } from '../store/shared-token.source.js';
import { type TokenKeyDeriver, scryptKeyWarning } from '../store/token-key.deriver.js';
import { TokenStoreGuard } from '../store/token-store.guard.js';
import { createSendfactTelemetry } from '../telemetry/sendfact.telemetry.js';
import type { SendfactTelemetryHooks } from '../telemetry/telemetry-hooks.interface.js';
import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import { AccountPool } from './account-pool.js';
import { CredentialsResolution } from './credentials.resolution.js';
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
  readonly #resolution: CredentialsResolution;
  readonly #deps: SendfactAccountDeps;
  /** Accounts being let in: their ids are with the resolver. One call per id, however many callers. */
  readonly #opening = new Map<string, Promise<SendfactCredentials>>();
  readonly #logger: SendfactAuthLogger;
  /** Duration of the most recent refresh of any account. */
  #lastRefreshDurationMs: number | undefined;
  /**
   * The module's life: fires once, on {@link close}. Whatever waits outside an account's token cycle (store
   * calls, the resolver and its queue, scrypt derivations waiting for a slot) listens to it and stops at once.
   */
  readonly #closing = new AbortController();

  readonly #deriver: TokenKeyDeriver;

  constructor(
    options: ResolvedSendfactAuthOptions,
    fetcher: SendfactTokenFetcher,
    store: SendfactTokenStore,
    deriver: TokenKeyDeriver,
  ) {
    this.#deriver = deriver;
    this.#options = options;
    this.#store = store;
    this.events$ = this.#events.asObservable();
    this.#logger = new SendfactAuthLogger(options.defaultAccountId);
    this.#logger.follow(this.events$);
    const closing = this.#closing.signal;
    // Every store call, resolver call and queued derivation in flight listens to it.
    setMaxListeners(0, closing);
    const shared: SharedTokenContext = {
      guard: new TokenStoreGuard({
        store,
        clock: options.clock,
        storeTimeoutMs: options.tokenStoreTimeoutMs,
        closing,
        onStoreHealth: (healthy, reason) => {
          this.telemetry?.storeHealth(healthy); // telemetry
          this.#logger.storeHealth(healthy, reason);
        },
      }),
      keysFor: deriver.keyring(store.keyDerivation ?? 'scrypt', options.baseUrl, closing),
      policy: options.refresh,
      clock: options.clock,
      leaseMs: options.timeoutMs + TOKEN_LEASE_GRACE_MS,
      pollIntervalMs: SHARED_TOKEN_POLL_INTERVAL_MS,
    };
    this.#resolution = new CredentialsResolution(options, closing);
    const deps: SendfactAccountDeps = (this.#deps = {
      options,
      resolution: this.#resolution,
      fetcher,
      shared,
      limiter: new ConcurrencyLimiter(options.maxConcurrentTokenRequests),
      // Read when a token is fetched: accounts made before init() get the hooks all the same.
      telemetry: () => this.telemetry,
      onEvent: (event) => {
        if (event.type === 'token-refreshed') this.#lastRefreshDurationMs = event.durationMs;
        this.#events.next(event);
      },
    });
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
   * The account `accountId` names (the default one when `undefined`) if it can be had without waiting: held
   * now, or configured (made now). `undefined` for any other: see {@link open}. Throws
   * `SendfactTooManyAccountsError` when the registry is full of accounts with token requests under way.
   */
  ready(accountId: string | undefined): SendfactAccount | undefined {
    const id = accountId ?? this.#options.defaultAccountId;
    if (id === undefined) return undefined;
    if (id === this.#options.defaultAccountId && this.default !== undefined) return this.default;
    if (this.#pool.peek(id) !== undefined || this.#resolution.configured(id) !== undefined)
      return this.#pool.get(id);
    return undefined;
  }

  /**
   * Runs `use` on the account `accountId` names, made once it passed the door (`CredentialsResolution`): at
   * once when it is held or configured, else once the resolver knows it. `use` runs as soon as the account is
   * made, in the same turn, so that its token request has started before another account can evict it as
   * idle. Rejects with `SendfactUnknownAccountError`, `SendfactCredentialsResolverError` or
   * `SendfactTooManyAccountsError`; an unknown id makes nothing.
   */
  open<T>(
    accountId: string | undefined,
    use: (account: SendfactAccount) => T,
  ): Promise<Awaited<T>> {
    let ready: SendfactAccount | undefined;
    try {
      ready = this.ready(accountId);
      if (ready !== undefined) return Promise.resolve(use(ready));
    } catch (error) {
      return Promise.reject(error);
    }
    const id = accountId ?? this.#options.defaultAccountId;
    if (id === undefined || !this.#resolution.resolves)
      return Promise.reject(new SendfactUnknownAccountError(id));
    let opening = this.#opening.get(id);
    if (opening === undefined) {
      opening = this.#resolution.resolve(id);
      const done = () => this.#opening.delete(id);
      opening.then(done, done);
      this.#opening.set(id, opening);
    }
    return opening.then((login) =>
      use(this.#pool.get(id, () => new SendfactAccount(id, this.#deps, login))),
    ) as Promise<Awaited<T>>;
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
    });
    // A shared store without a secret: each account's key costs scrypt's CPU, once per process. Said once.
    if ((this.#store.keyDerivation ?? 'scrypt') === 'scrypt')
      this.#logger.warn(scryptKeyWarning(this.#deriver.concurrency));
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
    this.#closing.abort(new SendfactAuthClosedError());
    this.default?.close();
    this.#pool.close();
    this.#events.complete();
    await this.#store.close?.();
  }
}
