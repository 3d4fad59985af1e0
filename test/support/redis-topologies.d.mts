import type { RedisServer } from './redis-server.mjs';
export declare function until(
  check: () => Promise<boolean>,
  what: string,
  attempts?: number,
): Promise<void>;
export declare class RedisClusterUnderTest {
  readonly nodes: RedisServer[];
  readonly startupNodes: { host: string; port: number }[];
  static start(): Promise<RedisClusterUnderTest>;
  waitOk(nodes?: RedisServer[]): Promise<void>;
  nodeFor(key: string): Promise<RedisServer>;
  stop(): Promise<void>;
}
export declare class RedisSentinelUnderTest {
  readonly master: RedisServer;
  readonly replica: RedisServer;
  readonly sentinelPort: number;
  readonly name: string;
  readonly redisOptions: { sentinels: { host: string; port: number }[]; name: string };
  static start(): Promise<RedisSentinelUnderTest>;
  masterPort(): Promise<number>;
  failover(): Promise<number>;
  stop(): Promise<void>;
}
