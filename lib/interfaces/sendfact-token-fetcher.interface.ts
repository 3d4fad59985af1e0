import type { SendfactCredentials } from './sendfact-credentials.interface.js';
import type { TokenGrant } from './token-grant.interface.js';

/**
 * Asks the token endpoint for one token with an account's credentials: the provider behind
 * `SENDFACT_TOKEN_FETCHER`. The module's own sends `POST /api/auth/token`, at most
 * `maxConcurrentTokenRequests` at once; override the provider to hand out tokens from elsewhere.
 */
export interface SendfactTokenFetcher {
  /** One token for `credentials`; gives up when `signal` fires. `accountId` is for errors only. */
  requestToken(
    credentials: SendfactCredentials,
    signal: AbortSignal,
    accountId: string,
  ): Promise<TokenGrant>;
}
