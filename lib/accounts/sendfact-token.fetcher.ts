import { SendfactTokenClient } from '../client/sendfact-token.client.js';
import { TokenRequestLimiter } from '../client/token-request.limiter.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';

/**
 * Fetchers that replace the token endpoint for one options object: how `createSendfactTestingOptions` makes
 * an app whose only override is `SENDFACT_AUTH_OPTIONS` hand out a fixed token. Kept beside the options, not
 * in them, so the production options carry no test hook.
 */
const substitutes = new WeakMap<ResolvedSendfactAuthOptions, SendfactTokenFetcher>();

/** @internal Makes the module built on `options` get its tokens from `fetcher` (the testing kit). */
export function substituteTokenFetcher(
  options: ResolvedSendfactAuthOptions,
  fetcher: SendfactTokenFetcher,
): void {
  substitutes.set(options, fetcher);
}

/**
 * The default `SENDFACT_TOKEN_FETCHER`: `POST /api/auth/token` on the configured base URL, with at most
 * `maxConcurrentTokenRequests` in flight across every account of the process.
 */
export function createSendfactTokenFetcher(
  options: ResolvedSendfactAuthOptions,
): SendfactTokenFetcher {
  const substitute = substitutes.get(options);
  if (substitute !== undefined) return substitute;
  const client = new SendfactTokenClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    wallNow: () => options.clock.wallNow(),
    ...(options.http.httpAgent === undefined ? {} : { httpAgent: options.http.httpAgent }),
    ...(options.http.httpsAgent === undefined ? {} : { httpsAgent: options.http.httpsAgent }),
    ...(options.http.proxy === undefined ? {} : { proxy: options.http.proxy }),
  });
  const limiter = new TokenRequestLimiter(options.maxConcurrentTokenRequests);
  return {
    requestToken: (credentials, signal, accountId) =>
      limiter.run(() => client.requestToken(credentials, signal, accountId), signal),
  };
}
