import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenRequest, TokenSource } from '../interfaces/token-source.interface.js';
import type { SendfactTelemetryHooks } from './telemetry-hooks.interface.js';

/**
 * A token source whose requests run inside the account's token-request span, when telemetry is on. The hooks
 * are read at each request: they are set once the module is initialised, after the accounts were made.
 */
export class TracedTokenSource implements TokenSource {
  readonly #inner: TokenSource;
  readonly #accountId: string;
  readonly #hooks: () => SendfactTelemetryHooks | undefined;

  constructor(
    inner: TokenSource,
    accountId: string,
    hooks: () => SendfactTelemetryHooks | undefined,
  ) {
    this.#inner = inner;
    this.#accountId = accountId;
    this.#hooks = hooks;
  }

  token(request: TokenRequest): Promise<TokenGrant> {
    const hooks = this.#hooks();
    if (hooks === undefined) return this.#inner.token(request);
    return hooks.traceTokenRequest(this.#accountId, () => this.#inner.token(request));
  }

  refused(accessToken: string): void {
    this.#inner.refused?.(accessToken);
  }
}
