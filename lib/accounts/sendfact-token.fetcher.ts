import { SendfactTokenClient } from '../client/sendfact-token.client.js';
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
 * The default `SENDFACT_TOKEN_FETCHER`: `POST /api/auth/token` on the configured base URL. The accounts cap
 * the token requests in flight (`maxConcurrentTokenRequests`) around any fetcher, this one or a replacement.
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
  return {
    requestToken: (credentials, signal, accountId) =>
      client.requestToken(credentials, signal, accountId),
  };
}
