import { inspect } from 'node:util';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SendfactAccount } from './accounts/sendfact-account.js';
import type { SendfactAccounts } from './accounts/sendfact-accounts.registry.js';
import type { TokenCycle } from './engine/token-cycle.js';
import type {
  SendfactAuthStats,
  SendfactTokenEvent,
} from './interfaces/sendfact-token-event.interface.js';
import type { TokenState } from './interfaces/token-state.interface.js';
import { SENDFACT_ACCOUNTS, SENDFACT_RESOLVED_OPTIONS } from './sendfact-auth.constants.js';
import { SendfactAuthError } from './sendfact-auth.errors.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';
import type { SendfactTelemetryHooks } from './telemetry/telemetry-hooks.interface.js';

/** Options of a single token call. */
export interface SendfactTokenCallOptions {
  /** Stop waiting when this fires; the token request goes on for the other callers. */
  signal?: AbortSignal;
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
  readonly #accounts: SendfactAccounts;
  #replays = 0;

  /** @internal Made by Nest from the module's providers. */
  constructor(
    @Inject(SENDFACT_RESOLVED_OPTIONS) options: ResolvedSendfactAuthOptions,
    @Inject(SENDFACT_ACCOUNTS) accounts: SendfactAccounts,
  ) {
    this.#options = options;
    this.#accounts = accounts;
    this.events$ = accounts.events$;
  }

  /** A valid access token: at once while one is held, otherwise after the one shared token request. */
  getAccessToken(accountId?: string, options?: SendfactTokenCallOptions): Promise<string> {
    // The hot path: the default account needs no lookup.
    const account = accountId === undefined ? this.#accounts.default : undefined;
    if (account !== undefined) return account.cycle.token(options?.signal);
    return this.#with(accountId, (found) => found.cycle.token(options?.signal));
  }

  /**
   * The token if one can be had without waiting (starting a background refresh if due), else `undefined`:
   * also for an account the resolver has not been asked about yet (peeking asks no one).
   */
  peekAccessToken(accountId?: string): string | undefined {
    const account = accountId === undefined ? this.#accounts.default : this.#ready(accountId);
    return account?.cycle.current()?.value;
  }

  /** Gets a new token now, even if the held one is still valid (joins a token request under way). */
  refreshAccessToken(accountId?: string, options?: SendfactTokenCallOptions): Promise<string> {
    return this.#with(accountId, (account) => account.cycle.refresh(options?.signal));
  }

  /**
   * Drops the held token so the next call gets a new one. With `token`, only if that token is still the one
   * held, and the API refused it: many requests failing with the same token then cause a single token request
   * (and, with a shared store, the other replicas stop handing it out too).
   */
  invalidateAccessToken(options: { accountId?: string; token?: string } = {}): boolean {
    return this.#accounts.find(options.accountId)?.cycle.invalidate(options.token) ?? false;
  }

  /** When the held token expires, or `undefined` when none is held. */
  getTokenExpiry(accountId?: string): Date | undefined {
    return this.getTokenState(accountId).expiresAt;
  }

  /** The token's state (validity, schedule, refreshing, last failure), safe to log or serve. */
  getTokenState(accountId?: string): TokenState {
    const account = this.#accounts.find(accountId);
    if (account !== undefined) return account.cycle.state();
    return {
      accountId: accountId ?? this.#options.defaultAccountId ?? '',
      status: 'none',
      usable: false,
      refreshing: false,
      consecutiveFailures: 0,
    };
  }

  /** Ids of the accounts held now (configured ones in use, resolved ones not evicted). */
  get activeAccounts(): string[] {
    return [...this.#accounts.all()].map((account) => account.id);
  }

  /** Counters summed over all accounts. */
  getStats(): SendfactAuthStats {
    return { ...this.#accounts.totals(), replays: this.#replays };
  }

  /** The Sendfact base URL and origin the tokens are for. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  get origin(): string {
    return this.#options.origin;
  }

  /**
   * @internal The token cycle of an account that can be had without waiting (held, or configured): what the
   * interceptor attaches tokens from; `undefined` for one that must pass the resolver first (`openCycle`).
   * Throws `SendfactTooManyAccountsError`.
   */
  cycleOf(accountId: string | undefined): TokenCycle | undefined {
    if (accountId === undefined) {
      const account = this.#accounts.default;
      if (account !== undefined) return account.cycle;
    }
    return this.#accounts.ready(accountId)?.cycle;
  }

  /** @internal The token cycle of an account, once it passed the door (see `SendfactAccounts.open`). */
  openCycle<T>(accountId: string | undefined, use: (cycle: TokenCycle) => T): Promise<Awaited<T>> {
    return this.#accounts.open(accountId, (account) => use(account.cycle));
  }

  /**
   * @internal How long paths of the account keep refusing fresh tokens, when the API refuses every token its
   * endpoint issues (see `SendfactTokenRejectedError`); otherwise `undefined`.
   */
  refusedEverywhereFor(accountId: string | undefined): number | undefined {
    return this.#accounts.find(accountId)?.cycle.refusedEverywhereFor();
  }

  /** @internal Called by the interceptor when it replays a request after a 401. */
  recordReplay(accountId: string | undefined): void {
    this.#replays++;
    this.#accounts.emit({
      type: 'request-replayed',
      accountId: accountId ?? this.#options.defaultAccountId ?? '',
    });
  }

  /** Starts the telemetry, and waits (bounded) for the token store, so the app does not serve with it connecting. */
  async onModuleInit(): Promise<void> {
    this.telemetry = await this.#accounts.init();
  }

  onModuleDestroy(): Promise<void> {
    return this.#accounts.close();
  }

  [inspect.custom](): string {
    return `SendfactAuthService { baseUrl: '${this.#options.baseUrl}', accounts: ${this.activeAccounts.length} }`;
  }

  /** The account if it can be had without waiting; `undefined` when it cannot, or the registry is full. */
  #ready(accountId: string | undefined): SendfactAccount | undefined {
    try {
      return this.#accounts.ready(accountId);
    } catch (error) {
      // Registry full: no token. Anything else is a bug, and must not pass for "no token".
      if (error instanceof SendfactAuthError) return undefined;
      throw error;
    }
  }

  /** Runs `use` on the account once it passed the door; an unknown account or a full registry rejects. */
  #with<T>(
    accountId: string | undefined,
    use: (account: SendfactAccount) => Promise<T>,
  ): Promise<T> {
    let account: SendfactAccount | undefined;
    try {
      account = this.#accounts.ready(accountId);
    } catch (error) {
      return Promise.reject(error);
    }
    return account !== undefined ? use(account) : this.#accounts.open(accountId, use);
  }
}
