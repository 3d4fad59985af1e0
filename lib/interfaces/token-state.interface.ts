/** A point-in-time view of one account's token, safe to log and to serve on a status route. */
export interface TokenState {
  accountId: string;
  /** `none`: no token; `valid`; `refresh-due`: valid, a refresh is due or running; `expired`: past its safety margin. */
  status: 'none' | 'valid' | 'refresh-due' | 'expired';
  /** Whether a caller would get a token now without waiting. */
  usable: boolean;
  obtainedAt?: Date;
  refreshAt?: Date;
  expiresAt?: Date;
  lifetimeMs?: number;
  /** First 12 hex digits of the token's SHA-256: tells tokens apart without revealing them. */
  fingerprint?: string;
  refreshing: boolean;
  consecutiveFailures: number;
  lastError?: { name: string; message: string; at: Date };
}

/** Counters of one engine, for metrics. */
export interface TokenEngineStats {
  tokenRequests: number;
  tokenRequestFailures: number;
  refreshes: number;
  backgroundRefreshes: number;
  invalidations: number;
  lastRefreshDurationMs?: number;
}
