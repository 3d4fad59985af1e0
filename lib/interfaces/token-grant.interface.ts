/** What a token request yields: the provider behind `SENDFACT_TOKEN_FETCHER` answers one. */
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
