import type { SendfactCredentials } from '../client/sendfact-token.client.js';
import type { TokenRequestLimiter } from '../client/token-request.limiter.js';
import { TokenEngine } from '../engine/token-engine.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { TokenFetcher, TokenGrant } from '../interfaces/token-grant.interface.js';
import { SendfactCredentialsError } from '../sendfact-auth.errors.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';
import type { SharedTokenSource } from '../store/shared-token.source.js';
import type { SendfactTelemetryHooks } from '../telemetry/telemetry-hooks.interface.js';
import { resolveCredentials } from './credentials.resolution.js';

/** What every account of a module shares. */
export interface SendfactAccountDeps {
  options: ResolvedSendfactAuthOptions;
  fetcher: SendfactTokenFetcher;
  shared: SharedTokenSource;
  /** Caps the token requests in flight across every account of the module. */
  limiter: TokenRequestLimiter;
  /** The telemetry hooks as they are when read: set once the module is initialised. */
  telemetry: () => SendfactTelemetryHooks | undefined;
  onEvent: (event: TokenEngineEvent) => void;
}

/**
 * One account: its login (resolved once, and again after Sendfact refuses it), its token engine, and the way
 * its token is dropped here and in the shared store. Tokens come from the shared store when a replica has
 * one, else from the token fetcher.
 */
export class SendfactAccount {
  readonly id: string;
  readonly engine: TokenEngine;
  readonly #deps: SendfactAccountDeps;
  #credentials: SendfactCredentials | undefined;

  constructor(id: string, deps: SendfactAccountDeps) {
    this.id = id;
    this.#deps = deps;
    // The limiter slot is taken before the shared-store lease, so a lease is never held while waiting in the
    // limiter's queue (others would take over when it lapsed and ask Sendfact again).
    const fetch: TokenFetcher = (signal, stale) =>
      deps.limiter.run(() => shared(signal, stale), signal);
    const { options, telemetry } = deps;
    this.engine = new TokenEngine({
      accountId: id,
      // telemetry: the token-request span around each fetch, and callers that wait counted.
      fetcher: (signal, stale) => (telemetry()?.wrapFetcher(id, fetch) ?? fetch)(signal, stale),
      onWait: (accountId) => telemetry()?.callerWaited(accountId),
      clock: options.clock,
      policy: options.refresh,
      proactiveRefresh: options.proactiveRefresh,
      onEvent: deps.onEvent,
    });
    // Made after the engine: the store's waits keep the process alive only while a caller waits on it.
    const shared = deps.shared.fetcher(
      () => this.#resolve(),
      (signal) => this.#request(signal),
      this.engine.keepAlive,
    );
  }

  /** The login once resolved; `undefined` before the first token request, or after Sendfact refused it. */
  get credentials(): SendfactCredentials | undefined {
    return this.#credentials;
  }

  /** Whether a token request is under way (an account that is busy is never evicted). */
  get refreshing(): boolean {
    return this.engine.refreshing;
  }

  /**
   * Drops the held token (only if it is still `token`, when given), and then the shared one too: a token the
   * API refused must not be handed out by the other replicas either.
   */
  invalidate(token?: string): boolean {
    if (!this.engine.invalidate(token)) return false;
    const credentials = this.#credentials;
    if (token !== undefined && credentials !== undefined) {
      void this.#deps.shared.invalidate(credentials, token);
    }
    return true;
  }

  close(): void {
    this.engine.close();
  }

  async #resolve(): Promise<SendfactCredentials> {
    this.#credentials ??= await resolveCredentials(this.#deps.options, this.id);
    return this.#credentials;
  }

  async #request(signal: AbortSignal): Promise<TokenGrant> {
    const login = await this.#resolve();
    try {
      return await this.#deps.fetcher.requestToken(login, signal, this.id);
    } catch (error) {
      // Rotated in the tenant database? Ask the resolver again next time.
      if (error instanceof SendfactCredentialsError) this.#credentials = undefined;
      throw error;
    }
  }
}
