import type { RefreshPolicy } from '../interfaces/refresh-policy.interface.js';

/**
 * The longest token lifetime the module accepts: one day. Sendfact's tokens live 120 s; a longer claim is a
 * broken or hostile answer, and past a day dates and timers stop being meaningful anyway.
 */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;

/** The defaults, for Sendfact's 120 s token: refresh from 90 s, never hand out a token in its last 12 s. */
export const DEFAULT_REFRESH_POLICY: Readonly<Required<RefreshPolicy>> = Object.freeze({
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
  // A path that refused a fresh token costs one token request per 5 s, not one per call to it.
  tokenRejectedCooldownMs: 5_000,
});

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
    'credentialsErrorCooldownMs',
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
  return problems;
}
