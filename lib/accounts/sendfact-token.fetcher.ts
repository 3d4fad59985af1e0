import { SendfactTokenClient } from '../client/sendfact-token.client.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';

/**
 * The default `SENDFACT_TOKEN_FETCHER`: `POST /api/auth/token` on the configured base URL, the same way as API
 * calls go (the `http` option's agents, proxy and adapter). The accounts cap the token requests in flight
 * (`maxConcurrentTokenRequests`) around any fetcher, this one or a replacement.
 */
export function createSendfactTokenFetcher(
  options: ResolvedSendfactAuthOptions,
): SendfactTokenFetcher {
  const { http } = options;
  return new SendfactTokenClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    wallNow: () => options.clock.wallNow(),
    ...(http.httpAgent === undefined ? {} : { httpAgent: http.httpAgent }),
    ...(http.httpsAgent === undefined ? {} : { httpsAgent: http.httpsAgent }),
    ...(http.proxy === undefined ? {} : { proxy: http.proxy }),
    ...(http.adapter === undefined ? {} : { adapter: http.adapter }),
  });
}
