import type { KeepAlive } from './clock.interface.js';
import type { TokenGrant } from './token-grant.interface.js';

/** What the token cycle asks of a {@link TokenSource} for one token. */
export interface TokenRequest {
  /** Fires when the module closes: give up at once. */
  readonly signal: AbortSignal;
  /** The token being replaced (the one held, or one the API just refused): a shared source never hands it back. */
  readonly stale?: string | undefined;
  /** Only a token fresh from the token endpoint will do: a shared one was refused already. */
  readonly fromEndpoint?: boolean | undefined;
  /** Whether a caller waits on this token: the source's own delays keep the process alive only while one does. */
  readonly keepAlive: KeepAlive;
}

/**
 * Where one account's tokens come from: the token endpoint directly, or a store shared by replicas in front of
 * it. The concurrency cap and the telemetry are decorators of a source; the token cycle sees one source.
 */
export interface TokenSource {
  /** One token; rejects with a `SendfactAuthError` (or anything, which the cycle treats as a retryable failure). */
  token(request: TokenRequest): Promise<TokenGrant>;
  /** The API refused `accessToken`: a source that shares tokens stops handing it out. Never throws. */
  refused?(accessToken: string): void;
}
