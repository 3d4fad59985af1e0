import fc from 'fast-check';
import {
  DEFAULT_REFRESH_POLICY,
  SendfactCredentialsError,
  type RefreshPolicy,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import {
  type HeldTokenLife,
  type TokenRequestGates,
  decide,
} from '../../lib/engine/token-decision.js';

/** The schedule worked out here by hand, apart from the code under test. */
function points(held: HeldTokenLife, policy: RefreshPolicy) {
  const margin = Math.min(held.lifetimeMs * policy.safetyMarginRatio, policy.maxSafetyMarginMs);
  const mustRefreshAt = held.obtainedAt + held.lifetimeMs - margin;
  const refreshAt = Math.min(
    held.obtainedAt + held.lifetimeMs * policy.refreshAheadRatio,
    mustRefreshAt,
  );
  return { refreshAt, mustRefreshAt };
}

const policyArb: fc.Arbitrary<RefreshPolicy> = fc
  .record({
    refreshAheadRatio: fc.integer({ min: 1, max: 99 }).map((p) => p / 100),
    safetyMarginRatio: fc.integer({ min: 1, max: 49 }).map((p) => p / 100),
    maxSafetyMarginMs: fc.integer({ min: 0, max: 60_000 }),
  })
  .map((windows) => ({ ...DEFAULT_REFRESH_POLICY, ...windows }));

const heldArb: fc.Arbitrary<HeldTokenLife> = fc.record({
  obtainedAt: fc.integer({ min: 0, max: 1_000_000 }),
  lifetimeMs: fc.integer({ min: 1, max: 86_400_000 }),
});

const error = new SendfactCredentialsError(401, { accountId: 'acme' });

/**
 * A moment around the token's life (before it, through it, past it, and exactly on its two points), and
 * gates around that moment. Fractions are drawn as integers: fast-check's doubles crowd near 0.
 */
const caseArb = fc
  .tuple(
    policyArb,
    fc.option(heldArb, { nil: undefined }),
    fc.integer({ min: -100, max: 1_300 }),
    fc.constantFrom('fraction', 'refresh-point', 'must-refresh-point'),
  )
  .chain(([policy, held, permille, where]) => {
    const life = held ?? { obtainedAt: 0, lifetimeMs: 120_000 };
    const now =
      where === 'fraction'
        ? Math.round(life.obtainedAt + (permille / 1_000) * life.lifetimeMs)
        : points(life, policy)[where === 'refresh-point' ? 'refreshAt' : 'mustRefreshAt'];
    // Gates within 20 s of now, or exactly at it (the edges of `<` against `<=`).
    const near = fc.oneof(
      fc.constant(now),
      fc.integer({ min: -20_000, max: 20_000 }).map((d) => now + d),
    );
    const gatesArb: fc.Arbitrary<TokenRequestGates> = fc.record({
      refreshing: fc.boolean(),
      notBefore: fc.oneof(fc.constant(0), near),
      backgroundNotBefore: fc.oneof(fc.constant(0), near),
      cooldown: fc.option(
        near.map((until) => ({ until, error })),
        { nil: undefined },
      ),
    });
    return fc.record({
      policy: fc.constant(policy),
      held: fc.constant(held),
      now: fc.constant(now),
      gates: gatesArb,
    });
  });

const usable = (c: { held: HeldTokenLife | undefined; now: number; policy: RefreshPolicy }) =>
  c.held !== undefined && c.now < points(c.held, c.policy).mustRefreshAt;

describe('decide()', () => {
  it('never serves a token at or past its must-refresh point', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { action } = decide(c.now, c.held, c.gates, c.policy);
        if (action === 'serve' || action === 'serve-and-refresh') expect(usable(c)).toBe(true);
      }),
    );
  });

  it('never makes a caller wait or fail while a usable token is held, whatever the failures', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        fc.pre(usable(c));
        expect(['serve', 'serve-and-refresh']).toContain(
          decide(c.now, c.held, c.gates, c.policy).action,
        );
      }),
    );
  });

  it('serves without a refresh before the refresh point', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        fc.pre(c.held !== undefined && c.now < points(c.held, c.policy).refreshAt);
        expect(decide(c.now, c.held, c.gates, c.policy)).toEqual({ action: 'serve' });
      }),
    );
  });

  it('asks for a refresh exactly in the refresh window, when none runs and no back-off or Retry-After holds it', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const due =
          c.held !== undefined &&
          c.now >= points(c.held, c.policy).refreshAt &&
          usable(c) &&
          !c.gates.refreshing &&
          c.now >= c.gates.backgroundNotBefore &&
          c.now >= c.gates.notBefore;
        expect(decide(c.now, c.held, c.gates, c.policy).action === 'serve-and-refresh').toBe(due);
      }),
    );
  });

  it('without a usable token, fails fast with the cooldown error exactly while the cooldown runs', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        fc.pre(!usable(c));
        const decision = decide(c.now, c.held, c.gates, c.policy);
        const cooling = c.gates.cooldown !== undefined && c.now < c.gates.cooldown.until;
        if (cooling) expect(decision).toEqual({ action: 'fail-fast', error });
        else expect(decision.action).toBe('wait');
      }),
    );
  });

  it('has a waiting caller sent no sooner than the Retry-After, and no later than needed', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const decision = decide(c.now, c.held, c.gates, c.policy);
        fc.pre(decision.action === 'wait');
        expect(decision).toEqual({
          action: 'wait',
          delayMs: Math.max(0, c.gates.notBefore - c.now),
        });
      }),
    );
  });

  it('moves one way as time passes with no failure: serve, then serve-and-refresh, then wait', () => {
    const order = { serve: 0, 'serve-and-refresh': 1, wait: 2, 'fail-fast': 3 };
    const open: TokenRequestGates = {
      refreshing: false,
      notBefore: 0,
      backgroundNotBefore: 0,
      cooldown: undefined,
    };
    fc.assert(
      fc.property(
        policyArb,
        heldArb,
        fc.array(fc.integer({ min: 0, max: 1_200 }), { minLength: 2, maxLength: 20 }),
        (policy, held, permilles) => {
          const times = permilles
            .map((p) => held.obtainedAt + (p / 1_000) * held.lifetimeMs)
            .toSorted((a, b) => a - b);
          const ranks = times.map((now) => order[decide(now, held, open, policy).action]);
          expect(ranks).toEqual(ranks.toSorted((a, b) => a - b));
        },
      ),
    );
  });

  it('is pure: the same answer twice, and its inputs left as they were', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const before = structuredClone({
          held: c.held,
          gates: { ...c.gates, cooldown: c.gates.cooldown?.until },
        });
        const first = decide(c.now, c.held, c.gates, c.policy);
        expect(decide(c.now, c.held, c.gates, c.policy)).toEqual(first);
        expect({ held: c.held, gates: { ...c.gates, cooldown: c.gates.cooldown?.until } }).toEqual(
          before,
        );
      }),
    );
  });
});
