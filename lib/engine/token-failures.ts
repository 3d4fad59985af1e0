import { type SendfactAuthError, SendfactTokenRequestError } from '../sendfact-auth.errors.js';
import { type RefreshPolicy, backoffDelay } from './refresh-policy.js';
import type { TokenRequestGates } from './token-decision.js';

/**
 * An engine's memory of failed token requests: the gates `decide()` reads (Retry-After, background
 * back-off, cooldown, a request under way) and the counts shown in the token's state. It records; it never
 * decides what a caller gets.
 */
export class TokenFailures implements TokenRequestGates {
  refreshing = false;
  notBefore = 0;
  backgroundNotBefore = 0;
  cooldown: { until: number; error: SendfactAuthError } | undefined;
  /** Failed token requests since the last token obtained. */
  consecutive = 0;
  /** The last failure, with its wall-clock time. */
  last: { error: SendfactAuthError; at: number } | undefined;
  readonly #policy: RefreshPolicy;
  readonly #random: () => number;

  constructor(policy: RefreshPolicy, random: () => number) {
    this.#policy = policy;
    this.#random = random;
  }

  /**
   * Counts a failed token request; returns how long to wait before the next one, and whether the server
   * asked for a longer wait than a caller should be held for.
   */
  record(
    error: SendfactAuthError,
    now: number,
    wallNow: number,
  ): { retryInMs: number; askedTooLong: boolean } {
    this.consecutive++;
    this.last = { error, at: wallNow };
    const asked = error instanceof SendfactTokenRequestError ? (error.retryAfterMs ?? 0) : 0;
    // However long the server asks (a day, a date in the year 9999), token requests are held back no longer
    // than maxRetryAfterMs: the account must not stay locked once Sendfact answers again.
    const retryAfterMs = Math.min(asked, this.#policy.maxRetryAfterMs);
    if (retryAfterMs > 0) this.notBefore = now + retryAfterMs;
    return {
      retryInMs: Math.max(backoffDelay(this.consecutive, this.#policy, this.#random), retryAfterMs),
      askedTooLong: asked > this.#policy.maxRetryAfterMs,
    };
  }

  /** Callers get `error` at once until `until`, instead of a token request each. */
  coolDown(until: number, error: SendfactAuthError, wallNow?: number): void {
    this.cooldown = { until, error };
    if (wallNow !== undefined) this.last = { error, at: wallNow };
  }

  /** A token was obtained: every gate opens (the last error stays, for the state view). */
  clear(): void {
    this.consecutive = 0;
    this.cooldown = undefined;
    this.notBefore = 0;
    this.backgroundNotBefore = 0;
  }
}
