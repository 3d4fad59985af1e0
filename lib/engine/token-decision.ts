import type { SendfactAuthError } from '../sendfact-auth.errors.js';
import type { RefreshPolicy } from './refresh-policy.js';

/** The token a decision is about: when its life began (monotonic ms) and how long it lives. */
export interface HeldTokenLife {
  readonly obtainedAt: number;
  readonly lifetimeMs: number;
}

/** What holds token requests back after failures (and while one is under way). Times are monotonic ms. */
export interface TokenRequestGates {
  /** A token request is under way: join it, never start another. */
  readonly refreshing: boolean;
  /** No token request is sent before this (the server's Retry-After, capped). */
  readonly notBefore: number;
  /** No background refresh starts before this (back-off after a background failure). */
  readonly backgroundNotBefore: number;
  /** Callers that would wait get `error` at once until `until` (bad credentials, refused fresh tokens). */
  readonly cooldown: { readonly until: number; readonly error: SendfactAuthError } | undefined;
}

/**
 * What to do with a call for a token, named in one place:
 * - `serve`: hand out the held token, nothing else to do;
 * - `serve-and-refresh`: hand it out, and start one refresh behind the caller's back;
 * - `wait`: no token may be handed out; the caller waits for a token request, sent after `delayMs`;
 * - `fail-fast`: no token, and the caller gets `error` now instead of another token request.
 */
export type TokenDecision =
  | { readonly action: 'serve' }
  | { readonly action: 'serve-and-refresh' }
  | { readonly action: 'wait'; readonly delayMs: number }
  | { readonly action: 'fail-fast'; readonly error: SendfactAuthError };

/** No failure recorded and nothing under way. */
export const OPEN_GATES: TokenRequestGates = Object.freeze({
  refreshing: false,
  notBefore: 0,
  backgroundNotBefore: 0,
  cooldown: undefined,
});

// The hot path decides on every outbound request: the two serving answers are shared, not allocated.
const SERVE: TokenDecision = Object.freeze({ action: 'serve' });
const SERVE_AND_REFRESH: TokenDecision = Object.freeze({ action: 'serve-and-refresh' });

/** Past this point a token is never handed out: its last `safetyMarginRatio` (at most `maxSafetyMarginMs`). */
export function mustRefreshAtOf(held: HeldTokenLife, policy: RefreshPolicy): number {
  const margin = Math.min(held.lifetimeMs * policy.safetyMarginRatio, policy.maxSafetyMarginMs);
  return held.obtainedAt + held.lifetimeMs - margin;
}

/** From this point a token is refreshed ahead of expiry (never later than {@link mustRefreshAtOf}). */
export function refreshAtOf(
  held: HeldTokenLife,
  policy: RefreshPolicy,
  mustRefreshAt: number,
): number {
  return Math.min(held.obtainedAt + held.lifetimeMs * policy.refreshAheadRatio, mustRefreshAt);
}

/** How long a token request must wait before it is sent: the server's Retry-After, if still running. */
export function requestDelay(now: number, gates: TokenRequestGates): number {
  return Math.max(0, gates.notBefore - now);
}

/**
 * The one decision of the token engine (and of the shared store, which serves a stored token only when this
 * says `serve`). Pure: same inputs, same answer; no clock, no timers.
 * 1. A token before its refresh point is served.
 * 2. A token in its refresh window is served; a refresh starts unless one runs or a back-off holds it.
 * 3. Without a usable token, a running cooldown fails the caller at once...
 * 4. ...else the caller waits for a token request, after the Retry-After if one is running.
 */
export function decide(
  now: number,
  held: HeldTokenLife | undefined,
  failures: TokenRequestGates,
  policy: RefreshPolicy,
): TokenDecision {
  if (held !== undefined) {
    const mustRefreshAt = mustRefreshAtOf(held, policy);
    if (now < mustRefreshAt) {
      if (now < refreshAtOf(held, policy, mustRefreshAt)) return SERVE;
      const refreshAllowed =
        !failures.refreshing && now >= failures.backgroundNotBefore && now >= failures.notBefore;
      return refreshAllowed ? SERVE_AND_REFRESH : SERVE;
    }
  }
  const cooldown = failures.cooldown;
  if (cooldown !== undefined && now < cooldown.until) {
    return { action: 'fail-fast', error: cooldown.error };
  }
  return { action: 'wait', delayMs: requestDelay(now, failures) };
}
