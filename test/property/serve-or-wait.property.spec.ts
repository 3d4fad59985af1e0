import fc from 'fast-check';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  type RefreshPolicy,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle, scheduleFor } from '../../lib/engine/token-cycle.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import { FakeSource } from '../support/fake-fetcher.js';

// What a caller gets, for any policy and lifetime: the token at once, the token while one refresh runs behind,
// a wait for a token request, or a failure at once. Told through the cycle's public methods on a fake clock.

/** The schedule worked out here by hand, apart from the code under test. */
function points(obtainedAt: number, lifetimeMs: number, policy: RefreshPolicy) {
  const margin = Math.min(lifetimeMs * policy.safetyMarginRatio, policy.maxSafetyMarginMs);
  const mustRefreshAt = obtainedAt + lifetimeMs - margin;
  const refreshAt = Math.min(obtainedAt + lifetimeMs * policy.refreshAheadRatio, mustRefreshAt);
  return { refreshAt, mustRefreshAt, expiresAt: obtainedAt + lifetimeMs };
}

/** How long token requests are held back after the first failure, worked out by hand (jitter at 0.5). */
function holdBack(
  policy: RefreshPolicy,
  failure: Failure,
): { waitMs: number; notBeforeMs: number } {
  const exp = Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs);
  const backoff = exp / 2 + 0.5 * (exp / 2);
  const notBeforeMs =
    failure.kind === 'retry-after' ? Math.min(failure.retryAfterMs, policy.maxRetryAfterMs) : 0;
  const retryInMs = Math.max(backoff, notBeforeMs);
  return {
    waitMs:
      failure.kind === 'credentials'
        ? Math.max(retryInMs, policy.credentialsErrorCooldownMs)
        : retryInMs,
    notBeforeMs,
  };
}

type Failure =
  | { kind: 'credentials' }
  | { kind: 'transient' }
  | { kind: 'retry-after'; retryAfterMs: number }
  | { kind: 'not-retryable' };

const failureArb: fc.Arbitrary<Failure> = fc.oneof(
  fc.constant({ kind: 'credentials' as const }),
  fc.constant({ kind: 'transient' as const }),
  fc.record({
    kind: fc.constant('retry-after' as const),
    retryAfterMs: fc.integer({ min: 1, max: 30_000 }),
  }),
  fc.constant({ kind: 'not-retryable' as const }),
);

function errorOf(failure: Failure) {
  switch (failure.kind) {
    case 'credentials':
      return new SendfactCredentialsError(401);
    case 'transient':
      return new SendfactTokenRequestError('HTTP 503', { status: 503, retryable: true });
    case 'retry-after':
      return new SendfactTokenRequestError('HTTP 429', {
        status: 429,
        retryable: true,
        retryAfterMs: failure.retryAfterMs,
      });
    case 'not-retryable':
      return new SendfactTokenRequestError('HTTP 404', { status: 404, retryable: false });
  }
}

/** Fractions are drawn as integers: fast-check's doubles crowd near 0. */
const policyArb: fc.Arbitrary<RefreshPolicy> = fc
  .record({
    refreshAheadRatio: fc.integer({ min: 1, max: 99 }).map((p) => p / 100),
    safetyMarginRatio: fc.integer({ min: 1, max: 49 }).map((p) => p / 100),
    maxSafetyMarginMs: fc.integer({ min: 0, max: 60_000 }),
    maxAttempts: fc.integer({ min: 1, max: 4 }),
    retryBaseDelayMs: fc.integer({ min: 0, max: 2_000 }),
    retryMaxDelayMs: fc.integer({ min: 0, max: 30_000 }),
    maxRetryAfterMs: fc.integer({ min: 0, max: 15_000 }),
    credentialsErrorCooldownMs: fc.integer({ min: 0, max: 10_000 }),
  })
  .map((policy) => ({ ...DEFAULT_REFRESH_POLICY, ...policy }));

const lifetimeArb = fc.oneof(
  fc.integer({ min: 1, max: 86_400_000 }),
  fc.integer({ min: 1, max: 1_000 }),
  fc.constant(120_000),
);

function cycleOn(policy: RefreshPolicy) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const cycle = new TokenCycle({ source, accountId: 'default', clock, policy, random: () => 0.5 });
  return { clock, source, cycle };
}

/**
 * A cycle holding a token of `lifetimeMs`, requested at the start and answered `latency` (a fraction of the
 * time it may be handed out) later, with the schedule it should follow.
 */
async function holding(policy: RefreshPolicy, lifetimeMs: number, latency: number) {
  const { clock, source, cycle } = cycleOn(policy);
  const sentAt = clock.now();
  const schedule = points(sentAt, lifetimeMs, policy);
  const first = track(cycle.token());
  await flush();
  await clock.advance(latency * (schedule.mustRefreshAt - sentAt));
  const token = source.succeed(lifetimeMs);
  await flush();
  expect(first.value).toBe(token);
  return { clock, source, cycle, token, ...schedule };
}

/** Records whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** Moves `clock` to `at`, if that is ahead. */
async function advanceTo(clock: FakeClock, at: number): Promise<void> {
  if (at > clock.now()) await clock.advance(at - clock.now());
}

/** Up to 0.999 of the time a token may be handed out: it always arrives in time. */
const latencyArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 999 }).map((p) => p / 1_000),
);

describe('the schedule of a token', () => {
  it('is the one worked out by hand: refreshed from refreshAheadRatio, never handed out in its margin', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 1_000_000 }),
        lifetimeArb,
        (policy, obtainedAt, lifetimeMs) => {
          const schedule = scheduleFor(obtainedAt, lifetimeMs, policy);
          expect(schedule).toEqual(points(obtainedAt, lifetimeMs, policy));
          expect(schedule.refreshAt).toBeGreaterThan(obtainedAt);
          expect(schedule.refreshAt).toBeLessThanOrEqual(schedule.mustRefreshAt);
          expect(schedule.mustRefreshAt).toBeLessThanOrEqual(schedule.expiresAt);
        },
      ),
    );
  });
});

describe('what a caller gets, for any policy and lifetime', () => {
  it('moves one way as time passes with no failure: the token, the token while one refresh runs, then a wait', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        lifetimeArb,
        latencyArb,
        fc.array(fc.integer({ min: 0, max: 1_300 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (policy, lifetimeMs, latency, permilles, onThePoints) => {
          const held = await holding(policy, lifetimeMs, latency);
          const { clock, source, cycle, token, refreshAt, mustRefreshAt } = held;
          const sentAt = held.expiresAt - lifetimeMs;
          const times = permilles.map((p) => sentAt + (p / 1_000) * lifetimeMs);
          // Exactly on the two points too, where `<` and `<=` part.
          if (onThePoints) times.push(refreshAt, mustRefreshAt);
          let rank = 0;
          for (const at of times.toSorted((a, b) => a - b)) {
            await advanceTo(clock, at);
            const now = clock.now();
            const looked = cycle.current();
            // Looking twice at one instant: the same answer, and no second refresh.
            expect(cycle.current()).toBe(looked);
            await flush();
            if (now < refreshAt) {
              expect(looked?.value).toBe(token);
              expect(source.calls).toBe(1);
              expect(cycle.state().status).toBe('valid');
            } else if (now < mustRefreshAt) {
              expect(looked?.value).toBe(token);
              expect(source.calls).toBe(2); // one refresh, started by the first look in the window
              expect(cycle.state()).toMatchObject({ status: 'refresh-due', refreshing: true });
            } else {
              expect(looked).toBeUndefined();
              expect(source.calls).toBeLessThanOrEqual(2);
              expect(cycle.state()).toMatchObject({ status: 'expired', usable: false });
            }
            const phase = now < refreshAt ? 0 : now < mustRefreshAt ? 1 : 2;
            expect(phase).toBeGreaterThanOrEqual(rank);
            rank = phase;
          }
        },
      ),
    );
  });

  it('never makes a caller wait or fail while a usable token is held, whatever the failures', async () => {
    const event = fc.record({
      permille: fc.integer({ min: 0, max: 300 }),
      forced: fc.boolean(),
      failure: failureArb,
    });
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        lifetimeArb,
        latencyArb,
        fc.array(event, { minLength: 1, maxLength: 8 }),
        async (policy, lifetimeMs, latency, events) => {
          const { clock, source, cycle, token, mustRefreshAt } = await holding(
            policy,
            lifetimeMs,
            latency,
          );
          for (const { permille, forced, failure } of events) {
            await clock.advance((permille / 1_000) * lifetimeMs);
            // A refresh behind the callers' backs, or one a caller forces; either fails.
            if (forced) void cycle.refresh().catch(() => {});
            else cycle.current();
            await flush();
            while (source.pending.length > 0) {
              source.fail(errorOf(failure));
              await flush();
            }
            if (clock.now() < mustRefreshAt) {
              expect(cycle.current()?.value).toBe(token);
              const caller = track(cycle.token());
              await flush();
              expect(caller).toMatchObject({ settled: true, value: token });
            } else {
              expect(cycle.current()).toBeUndefined();
            }
          }
          cycle.close();
        },
      ),
    );
  });

  it('without a usable token, fails fast with the error of the failed request exactly while its cooldown runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb.map((policy) => ({ ...policy, maxAttempts: 1 })),
        failureArb,
        fc.boolean(),
        fc.oneof(
          fc.constantFrom('just before' as const, 'at' as const),
          fc.integer({ min: 0, max: 2_000 }).map((p) => p / 1_000),
        ),
        async (policy, failure, expiredToken, when) => {
          const { clock, source, cycle } = expiredToken
            ? await holding(policy, 120_000, 0).then(async (held) => {
                await advanceTo(held.clock, held.mustRefreshAt);
                return held;
              })
            : cycleOn(policy);
          const callsBefore = source.calls;
          const first = track(cycle.token());
          await flush();
          const error = errorOf(failure);
          source.fail(error);
          await flush();
          expect(first.error).toBe(error);
          const { waitMs } = holdBack(policy, failure);
          const after =
            when === 'just before'
              ? Math.max(0, waitMs - 1)
              : when === 'at'
                ? waitMs
                : when * waitMs;
          await clock.advance(after);
          const next = track(cycle.token());
          await flush();
          if (after < waitMs) {
            expect(next.error).toBe(error);
            expect(source.calls).toBe(callsBefore + 1);
          } else {
            // Sent at once: a Retry-After never outlasts the cooldown it is part of.
            expect(next.settled).toBe(false);
            expect(source.calls).toBe(callsBefore + 2);
          }
          cycle.close();
        },
      ),
    );
  });

  it("has a forced token request sent no sooner than the server's Retry-After, and no later than needed", async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb.map((policy) => ({ ...policy, maxAttempts: 1 })),
        fc.integer({ min: 1, max: 30_000 }),
        fc.integer({ min: 0, max: 1_500 }).map((p) => p / 1_000),
        async (policy, retryAfterMs, when) => {
          const { clock, source, cycle } = cycleOn(policy);
          const failedAt = clock.now();
          void cycle.token().catch(() => {});
          await flush();
          source.fail(errorOf({ kind: 'retry-after', retryAfterMs }));
          await flush();
          const { notBeforeMs } = holdBack(policy, { kind: 'retry-after', retryAfterMs });
          await clock.advance(when * notBeforeMs);
          // A forced refresh is not failed by the cooldown: it waits for the Retry-After to end.
          void cycle.refresh().catch(() => {});
          await flush();
          const sendAt = Math.max(clock.now(), failedAt + notBeforeMs);
          if (sendAt > clock.now()) {
            await advanceTo(clock, sendAt - 0.001);
            expect(source.calls).toBe(1);
          }
          await advanceTo(clock, sendAt + 0.001);
          expect(source.calls).toBe(2);
          cycle.close();
        },
      ),
    );
  });
});
