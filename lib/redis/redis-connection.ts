import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { SendfactConfigError } from '../sendfact-auth.errors.js';
import type { RedisTokenStoreOptions } from './redis-token-store-options.interface.js';

/** Fail fast while disconnected: the module then uses per-process tokens instead of waiting. */
const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(times * 100, 1_000),
} satisfies RedisOptions;

/** A connection error that retrying will not cure: the certificate or the credentials were refused. */
export function isPermanent(error: Error | undefined): boolean {
  if (error === undefined) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_|TLS|SSL/.test(code)) ||
    /WRONGPASS|NOAUTH|certificate/i.test(error.message)
  );
}

/** What failed, in words that name the cause (a TLS code, Redis's refusal), never a credential. */
export function connectionError(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  const tls = isPermanent(error) && typeof code === 'string' && code !== 'ECONNREFUSED';
  return new Error(`cannot connect to Redis${tls ? ` (TLS: ${code})` : ''}: ${error.message}`, {
    cause: error,
  });
}

/** The client the store opens and closes itself, from the options that name a server, a Sentinel or a cluster. */
export function openClient(options: RedisTokenStoreOptions): Redis | Cluster {
  if (options.clusterNodes !== undefined) {
    return new Cluster(options.clusterNodes, {
      enableOfflineQueue: false,
      ...options.clusterOptions,
      redisOptions: { ...FAIL_FAST, ...options.clusterOptions?.redisOptions },
    });
  }
  if (options.url !== undefined)
    return new Redis(options.url, { ...FAIL_FAST, ...options.redisOptions });
  if (options.redisOptions?.sentinels !== undefined)
    return new Redis({ ...FAIL_FAST, ...options.redisOptions });
  throw new SendfactConfigError([
    'RedisTokenStore needs one of client, url, clusterNodes or redisOptions.sentinels',
  ]);
}
