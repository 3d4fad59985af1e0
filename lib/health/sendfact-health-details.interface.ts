/**
 * What {@link SendfactHealthIndicator} reports under its key, next to terminus's `status`. JSON-ready;
 * never the token nor its fingerprint, since health routes are often public.
 */
export type SendfactHealthDetails = {
  /** The account reported on. */
  accountId: string;
  /** The token's status: `none`, `valid`, `refresh-due` (valid, refresh due or running) or `expired`. */
  token: 'none' | 'valid' | 'refresh-due' | 'expired';
  /** Whether a caller would get a token now without waiting. */
  usable: boolean;
  /** When the held token expires (ISO 8601). */
  expiresAt?: string;
  /** From when it is refreshed in the background (ISO 8601). */
  refreshAt?: string;
  /** Whether a token request is under way. */
  refreshing: boolean;
  /** Token requests failed in a row; 0 after a success. */
  consecutiveFailures: number;
  /** The last failed token request, kept after later successes (ISO 8601 `at`). */
  lastError?: { name: string; message: string; at: string };
  /** Why the check itself failed, when it did: unknown account, or no token in time (`requestToken`). */
  message?: string;
};
