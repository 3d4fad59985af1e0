export interface ReplicaResult {
  calls: number;
  errors: number;
  kinds: string[];
  /** With 'store-ready': whether the store answered. */
  storeOk?: boolean;
}
export interface ReplicaConfig {
  standInUrl: string;
  accounts: Record<string, { username: string; password: string }>;
  /** RedisTokenStore options (JSON). */
  store: object;
  /** Extra SendfactAuthModule.forRoot options (JSON). */
  auth?: object;
}
export declare class Replica {
  constructor(config: ReplicaConfig);
  readonly ready: Promise<void>;
  readonly stderr: string;
  run(msg: { type: string; [key: string]: unknown }): Promise<ReplicaResult>;
  close(): Promise<void>;
}
export declare function startReplicas(n: number, config: ReplicaConfig): Promise<Replica[]>;
export declare function sum(results: ReplicaResult[], key: 'calls' | 'errors'): number;
