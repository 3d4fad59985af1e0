/** Options of {@link SendfactHealthIndicator.isHealthy}. */
export interface SendfactHealthCheckOptions {
  /** The account to report on; the default account when absent. */
  accountId?: string;
  /**
   * When no usable token is held, get one (joining any token request under way) and report on that,
   * instead of on the last attempt. Off by default, so that a probe never makes a network call.
   */
  requestToken?: boolean;
  /** How long `requestToken` waits for the token before reporting down, in ms. Default 5000. */
  timeoutMs?: number;
}
