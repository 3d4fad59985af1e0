import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { ConcurrencyLimiter } from '../client/token-request.limiter.js';
import { TokenCycle } from '../engine/token-cycle.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { TokenEngineEvent } from '../interfaces/token-engine-event.interface.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';
import { type SharedTokenContext, SharedTokenSource } from '../store/shared-token.source.js';
import type { SendfactTelemetryHooks } from '../telemetry/telemetry-hooks.interface.js';
import { TracedTokenSource } from '../telemetry/traced-token.source.js';
import type { CredentialsResolution } from './credentials.resolution.js';
import { DirectTokenSource } from './direct-token.source.js';

/** What every account of a module shares. */
export interface SendfactAccountDeps {
  options: ResolvedSendfactAuthOptions;
  /** Where a login comes from: the configuration, or the resolver (bounded, timed). */
  resolution: CredentialsResolution;
  fetcher: SendfactTokenFetcher;
  shared: SharedTokenContext;
  /** Caps the token requests in flight across every account of the module. */
  limiter: ConcurrencyLimiter;
  /** The telemetry hooks as they are when read: set once the module is initialised. */
  telemetry: () => SendfactTelemetryHooks | undefined;
  onEvent: (event: TokenEngineEvent) => void;
}

/**
 * One account: its token cycle, and the source its tokens come from, composed once: the token endpoint (with
 * the account's login), behind the shared store, behind the process-wide cap on token requests (a slot is
 * taken before the store's lease, so no lease is held while queueing), inside the telemetry's span.
 */
export class SendfactAccount {
  readonly id: string;
  readonly cycle: TokenCycle;
  readonly #direct: DirectTokenSource;

  /** `login`: the account's login, when the door already resolved it. */
  constructor(id: string, deps: SendfactAccountDeps, login?: SendfactCredentials) {
    const { options, telemetry } = deps;
    this.id = id;
    this.#direct = new DirectTokenSource(
      id,
      () => deps.resolution.resolve(id),
      deps.fetcher,
      login ?? deps.resolution.configured(id),
    );
    const shared = new SharedTokenSource(this.#direct, () => this.#direct.login(), deps.shared);
    this.cycle = new TokenCycle({
      accountId: id,
      source: new TracedTokenSource(deps.limiter.limit(shared), id, telemetry),
      clock: options.clock,
      policy: options.refresh,
      proactiveRefresh: options.proactiveRefresh,
      onEvent: deps.onEvent,
      onWait: () => telemetry()?.callerWaited(id),
    });
  }

  /** Whether a token request is under way (an account that is busy is never evicted). */
  get refreshing(): boolean {
    return this.cycle.refreshing;
  }

  close(): void {
    this.cycle.close();
  }
}
