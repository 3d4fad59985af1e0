/** What a token request yields. */
export interface TokenGrant {
  accessToken: string;
  /** How long the token lives, in milliseconds. */
  lifetimeMs: number;
  /**
   * Monotonic time its life counts from. Defaults to the moment the request was sent, the conservative
   * choice: the server started the clock no earlier than that.
   */
  obtainedAt?: number;
  /** The token was taken from a shared token store: another process (or account) made the token request. */
  shared?: boolean;
}

/**
 * Obtains one token; must give up when `signal` fires. `stale` is a token the engine is replacing (the one
 * held, or one just dropped after a 401): a fetcher that reads from a shared store must not hand it back.
 */
export type TokenFetcher = (signal: AbortSignal, stale?: string) => Promise<TokenGrant>;
