export declare function redisServerPath(): string | undefined;
export declare class RedisServer {
  readonly port: number;
  readonly url: string;
  static start(): Promise<RedisServer>;
  restart(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}
