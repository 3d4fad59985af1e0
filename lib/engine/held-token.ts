import { createHash } from 'node:crypto';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenState } from '../interfaces/token-state.interface.js';
import { SendfactTokenRequestError, SendfactTokenResponseError } from '../sendfact-auth.errors.js';
import {
  MAX_TOKEN_LIFETIME_MS,
  type RefreshPolicy,
  type TokenSchedule,
  scheduleFor,
} from './refresh-policy.js';
import type { TokenFailures } from './token-failures.js';

/** A token the engine holds, with its schedule worked out once. */
export interface HeldToken extends TokenSchedule {
  readonly value: string;
  /** Resolved once; the hot path hands out this same promise. */
  readonly promise: Promise<string>;
  readonly obtainedAt: number;
  readonly lifetimeMs: number;
  /** Obtained to replace a token the API refused: if the API refuses this one too, it refuses fresh tokens. */
  readonly afterRefusal: boolean;
  /** Taken from a shared token store (see {@link TokenGrant.shared}). */
  readonly shared: boolean;
}

/**
 * Checks a grant and turns it into a held token. Throws {@link SendfactTokenResponseError} for a token or
 * lifetime no one should hold, and a retryable {@link SendfactTokenRequestError} for one that arrived too
 * late to be used safely.
 */
export function holdGrant(
  grant: TokenGrant,
  at: { sentAt: number; now: number },
  policy: RefreshPolicy,
  accountId: string,
  afterRefusal: boolean,
): HeldToken {
  const { accessToken, lifetimeMs } = grant;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new SendfactTokenResponseError('access_token is empty', { accountId });
  }
  if (!(Number.isFinite(lifetimeMs) && lifetimeMs > 0)) {
    throw new SendfactTokenResponseError('the token lifetime is not a positive finite number', {
      accountId,
    });
  }
  if (lifetimeMs > MAX_TOKEN_LIFETIME_MS) {
    throw new SendfactTokenResponseError(
      `the token lifetime (${Math.round(lifetimeMs)} ms) is longer than a day`,
      { accountId },
    );
  }
  // A start in the future would stretch the token's life; one that is not a number would void its dates.
  const obtainedAt =
    grant.obtainedAt !== undefined && Number.isFinite(grant.obtainedAt)
      ? Math.min(grant.obtainedAt, at.now)
      : at.sentAt;
  const schedule = scheduleFor(obtainedAt, lifetimeMs, policy);
  if (at.now >= schedule.mustRefreshAt) {
    // Handing it out could put an expired token on the wire: treat as a slow, retryable failure.
    throw new SendfactTokenRequestError(
      `the token arrived too late to be used safely (lifetime ${Math.round(lifetimeMs)} ms)`,
      { accountId, retryable: true },
    );
  }
  return {
    value: accessToken,
    promise: Promise.resolve(accessToken),
    obtainedAt,
    lifetimeMs,
    ...schedule,
    afterRefusal,
    shared: grant.shared === true,
  };
}

/** A point-in-time view of an account's token, safe to log and to serve: dates, never the token. */
export function tokenStateOf(
  accountId: string,
  held: HeldToken | undefined,
  failures: TokenFailures,
  clock: { now: number; wall: number },
): TokenState {
  const { now, wall } = clock;
  const toDate = (mono: number) => new Date(Math.round(wall + (mono - now)));
  const state: TokenState = {
    accountId,
    status: 'none',
    usable: false,
    refreshing: failures.refreshing,
    consecutiveFailures: failures.consecutive,
  };
  if (held !== undefined) {
    state.status =
      now < held.refreshAt ? 'valid' : now < held.mustRefreshAt ? 'refresh-due' : 'expired';
    state.usable = now < held.mustRefreshAt;
    state.obtainedAt = toDate(held.obtainedAt);
    state.refreshAt = toDate(held.refreshAt);
    state.expiresAt = toDate(held.expiresAt);
    state.lifetimeMs = held.lifetimeMs;
    state.fingerprint = createHash('sha256').update(held.value).digest('hex').slice(0, 12);
  }
  if (failures.last !== undefined) {
    const { error, at } = failures.last;
    state.lastError = { name: error.name, message: error.message, at: new Date(at) };
  }
  return state;
}
