import { mustRefreshAtOf, refreshAtOf } from './token-decision.js';

/**
 * When the token engine refreshes and how it retries. Windows are fractions of the token's lifetime, so the
 * same policy fits Sendfact's 120 s tokens and the few seconds used in tests.
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
   * After the API refused (401) a token that had itself replaced a refused one, before its refresh point,
   * callers get `SendfactTokenRejectedError` at once for this long instead of a new token request each.
   * Default 5000 (optional, so that policies written before it keep compiling).
   */
  tokenRejectedCooldownMs?: number;
}

/**
 * The longest token lifetime the engine accepts: one day. Sendfact's tokens live 120 s; a longer claim is a
 * broken or hostile answer, and past a day dates and timers stop being meaningful anyway.
 */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;

/** The defaults, for Sendfact's 120 s token: refresh from 90 s, never hand out a token in its last 12 s. */
export const DEFAULT_REFRESH_POLICY: Readonly<RefreshPolicy> = Object.freeze({
  // Three quarters: leaves 18 s of a 120 s token (between 90 s and the 12 s margin) for a background refresh,
  // more than a whole 10 s token request and its retries, at 4 token requests per 6 minutes instead of 6
  // at half-life. Measured in docs/BENCHMARKS.md: no caller waited near a refresh at either ratio.
  refreshAheadRatio: 0.75,
  // 10 % (12 s of 120 s): covers the request's flight time and a server clock a little ahead of ours.
  safetyMarginRatio: 0.1,
  // So that long-lived tokens (if Sendfact ever issues them) are not dropped minutes early.
  maxSafetyMarginMs: 30_000,
  // One try and two retries keep a caller's worst wait near a second while riding out a blip.
  maxAttempts: 3,
  // 250 ms, 500 ms, 1 s, ... with equal jitter (half fixed, half random) so replicas spread out.
  retryBaseDelayMs: 250,
  // Past 30 s the token has long expired anyway; no point waiting longer between tries.
  retryMaxDelayMs: 30_000,
  // A caller waits out a short Retry-After; a longer one is better reported than hidden in a hung request.
  maxRetryAfterMs: 10_000,
  // Wrong credentials stay wrong: 5 s of cached failure keeps a busy app from hammering the endpoint.
  credentialsErrorCooldownMs: 5_000,
  // An API that refuses every fresh token costs one token request per 5 s instead of one per API request.
  tokenRejectedCooldownMs: 5_000,
});

/** When a token obtained at `obtainedAt` (monotonic ms) with `lifetimeMs` is due for refresh and unusable. */
export interface TokenSchedule {
  expiresAt: number;
  refreshAt: number;
  mustRefreshAt: number;
}

export function scheduleFor(
  obtainedAt: number,
  lifetimeMs: number,
  policy: RefreshPolicy,
): TokenSchedule {
  // The same two points decide() computes, so a schedule shown or stored never disagrees with a decision.
  const life = { obtainedAt, lifetimeMs };
  const mustRefreshAt = mustRefreshAtOf(life, policy);
  const refreshAt = refreshAtOf(life, policy, mustRefreshAt);
  return { expiresAt: obtainedAt + lifetimeMs, refreshAt, mustRefreshAt };
}

/** Delay before retry number `failures` (1-based): exponential, capped, with equal jitter. */
export function backoffDelay(
  failures: number,
  policy: RefreshPolicy,
  random: () => number,
): number {
  const exp = Math.min(
    policy.retryMaxDelayMs,
    policy.retryBaseDelayMs * 2 ** Math.max(0, failures - 1),
  );
  return exp / 2 + random() * (exp / 2);
}

/** Checks a (possibly user-given) policy; returns the problems found, naming the field. */
export function policyProblems(policy: RefreshPolicy): string[] {
  const problems: string[] = [];
  const ratio = (name: keyof RefreshPolicy, max: number) => {
    const v = policy[name];
    if (!(typeof v === 'number' && v > 0 && v < max))
      problems.push(`refresh.${name} must be a number in (0, ${max})`);
  };
  ratio('refreshAheadRatio', 1);
  ratio('safetyMarginRatio', 0.5);
  for (const name of [
    'maxSafetyMarginMs',
    'retryBaseDelayMs',
    'retryMaxDelayMs',
    'maxRetryAfterMs',
    'tokenRejectedCooldownMs',
  ] as const) {
    const v = policy[name];
    if (v === undefined && name === 'tokenRejectedCooldownMs') continue;
    if (!(Number.isFinite(v) && v! >= 0))
      problems.push(`refresh.${name} must be a finite number >= 0`);
  }
  if (!(
    Number.isInteger(policy.maxAttempts) &&
    policy.maxAttempts >= 1 &&
    policy.maxAttempts <= 10
  )) {
    problems.push('refresh.maxAttempts must be an integer from 1 to 10');
  }
  if (!(
    Number.isFinite(policy.credentialsErrorCooldownMs) && policy.credentialsErrorCooldownMs >= 0
  )) {
    problems.push('refresh.credentialsErrorCooldownMs must be a finite number >= 0');
  }
  return problems;
}
