/**
 * When the module refreshes a token and how it retries (the `refresh` option). Windows are fractions of the
 * token's lifetime, so the same policy fits Sendfact's 120 s tokens and the few seconds used in tests.
 */
export interface RefreshPolicy {
  /** Past this fraction of the lifetime, callers still get the token at once while one refresh runs behind. */
  refreshAheadRatio: number;
  /** The token is never handed out in the last fraction of its lifetime... */
  safetyMarginRatio: number;
  /** ...nor in its last `maxSafetyMarginMs` when that fraction is longer. */
  maxSafetyMarginMs: number;
  /** Token requests one caller's wait may take (first try included) on transient failures. */
  maxAttempts: number;
  /** First retry delay; doubles per consecutive failure, with jitter. */
  retryBaseDelayMs: number;
  /** Ceiling of one retry delay. */
  retryMaxDelayMs: number;
  /**
   * A `Retry-After` longer than this fails the waiting callers instead of holding them; and however long the
   * server asks, no token request is held back for longer than this.
   */
  maxRetryAfterMs: number;
  /** After a credentials error, callers get that error back for this long without a new token request. */
  credentialsErrorCooldownMs: number;
  /**
   * After a path answered 401 to a token fresh from the token endpoint, its 401s go back to their callers for
   * this long without a new token request (per process, per method and path). Default 5000 (optional, so
   * that policies written before it keep compiling).
   */
  tokenRejectedCooldownMs?: number;
}
