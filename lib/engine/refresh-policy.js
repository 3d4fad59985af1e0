/** The defaults, for Sendfact's 120 s token: refresh from 60 s, never hand out a token in its last 12 s. */
export const DEFAULT_REFRESH_POLICY = Object.freeze({
    // Half-life: leaves half the lifetime for a background refresh and its retries to succeed.
    refreshAheadRatio: 0.5,
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
});
export function scheduleFor(obtainedAt, lifetimeMs, policy) {
    const margin = Math.min(lifetimeMs * policy.safetyMarginRatio, policy.maxSafetyMarginMs);
    const mustRefreshAt = obtainedAt + lifetimeMs - margin;
    const refreshAt = Math.min(obtainedAt + lifetimeMs * policy.refreshAheadRatio, mustRefreshAt);
    return { expiresAt: obtainedAt + lifetimeMs, refreshAt, mustRefreshAt };
}
/** Delay before retry number `failures` (1-based): exponential, capped, with equal jitter. */
export function backoffDelay(failures, policy, random) {
    const exp = Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** Math.max(0, failures - 1));
    return exp / 2 + random() * (exp / 2);
}
/** Checks a (possibly user-given) policy; returns the problems found, naming the field. */
export function policyProblems(policy) {
    const problems = [];
    const ratio = (name, max) => {
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
    ]) {
        const v = policy[name];
        if (!(Number.isFinite(v) && v >= 0))
            problems.push(`refresh.${name} must be a finite number >= 0`);
    }
    if (!(Number.isInteger(policy.maxAttempts) &&
        policy.maxAttempts >= 1 &&
        policy.maxAttempts <= 10)) {
        problems.push('refresh.maxAttempts must be an integer from 1 to 10');
    }
    if (!(Number.isFinite(policy.credentialsErrorCooldownMs) && policy.credentialsErrorCooldownMs >= 0)) {
        problems.push('refresh.credentialsErrorCooldownMs must be a finite number >= 0');
    }
    return problems;
}
//# sourceMappingURL=refresh-policy.js.map