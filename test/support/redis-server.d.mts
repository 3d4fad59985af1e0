export declare function redisServerPath(): string | undefined;
export declare function freePort(): Promise<number>;
export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. `['--user', 'sendfact', 'on', '>pw', …]`. */
  args?: string[];
  /** Listen with TLS only (`rediss://`), with this PEM certificate and key. */
  tls?: { cert: string; key: string };
}
export declare class RedisServer {
  readonly port: number;
  readonly url: string;
  /** ioredis options for the test's admin client (trusting the test CA when TLS). */
  readonly adminOptions: { tls?: { ca: string } };
  static start(options?: RedisServerOptions): Promise<RedisServer>;
  restart(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}
