import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * How `RedisTokenStore` reaches Redis: give it a client (single node, Sentinel or Cluster), a URL, Sentinel
 * options, or the nodes of a cluster.
 */
export interface RedisTokenStoreOptions {
  /** An ioredis client of yours, `Redis` (plain or Sentinel) or `Cluster` (you close it), ... */
  client?: Redis | Cluster;
  /** ...or a URL, e.g. `redis://127.0.0.1:6379/0` or `rediss://…` for TLS, for a client the store opens and closes itself, ... */
  url?: string;
  /**
   * Options of the client the store opens: with `url`, or alone for Sentinel (`{ sentinels: [{ host, port }],
   * name: 'mymaster' }`); `tls: { ca }` for a private CA.
   */
  redisOptions?: RedisOptions;
  /** ...or the startup nodes of a Redis Cluster (with `clusterOptions`), for a cluster client the store opens itself. */
  clusterNodes?: ClusterNode[];
  /** Options of the cluster client the store opens (`redisOptions` for its nodes go in `clusterOptions.redisOptions`). */
  clusterOptions?: ClusterOptions;
  /** Prefix of every key. Default `sendfact:token:`. */
  keyPrefix?: string;
  /**
   * A secret (at least 16 bytes) that every replica is given and Redis never sees: keys are then
   * HMAC-SHA256 under it, cheap to derive and worthless to guess from without it. Without it, keys are
   * scrypt-derived (N=2^14, r=8: some 50 ms of CPU once per account and process; with thousands of
   * tenants prefer a secret). Keep it where the Sendfact passwords are.
   */
  keySecret?: string | Uint8Array;
}
