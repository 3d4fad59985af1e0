import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REFRESH_POLICY,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  TokenEngine,
  type RefreshPolicy,
  type TokenGrant,
} from 'nestjs-sendfact-auth';
import { FakeClock, flush } from '../support/fake-clock.js';

type Failure = 'transient' | 'credentials' | 'retry-after';
type Step =
  | { kind: 'advance'; ms: number }
  /** To the last issued token's unusable point, plus `ms` (-2..2): where an off-by-one would show. */
  | { kind: 'edge'; ms: number }
  | { kind: 'wall'; ms: number }
  | { kind: 'get' }
  | { kind: 'get-abort' }
  | { kind: 'peek' }
  | { kind: 'refresh' }
  | { kind: 'invalidate' }
  | { kind: 'succeed'; lifetimeMs: number; lateMs: number }
  | { kind: 'fail'; failure: Failure; retryAfterMs: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.nat(150_000), fc.nat(50)),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('edge' as const),
      ms: fc.integer({ min: -2, max: 2 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('wall' as const),
      ms: fc.integer({ min: -3_600_000, max: 3_600_000 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'get' as const }), weight: 6 },
  { arbitrary: fc.constant({ kind: 'get-abort' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'peek' as const }), weight: 6 },
  { arbitrary: fc.constant({ kind: 'refresh' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'invalidate' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('succeed' as const),
      lifetimeMs: fc.oneof(
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constant(120_000),
      ),
      lateMs: fc.oneof(fc.nat(5_000), fc.nat(5)),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      failure: fc.constantFrom<Failure>('transient', 'credentials', 'retry-after'),
      retryAfterMs: fc.integer({ min: 1, max: 20_000 }),
    }),
    weight: 2,
  },
);

const policy: fc.Arbitrary<RefreshPolicy> = fc.record({
  refreshAheadRatio: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  safetyMarginRatio: fc.double({ min: 0.01, max: 0.45, noNaN: true }),
  maxSafetyMarginMs: fc.integer({ min: 0, max: 30_000 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  retryBaseDelayMs: fc.integer({ min: 0, max: 2_000 }),
  retryMaxDelayMs: fc.integer({ min: 0, max: 30_000 }),
  maxRetryAfterMs: fc.integer({ min: 0, max: 15_000 }),
  credentialsErrorCooldownMs: fc.integer({ min: 0, max: 10_000 }),
});

let checks = 0;

/** Runs `steps` against an engine and returns what broke the rules, if anything. */
async function run(steps: Step[], rules: RefreshPolicy, proactive: boolean): Promise<string[]> {
  const clock = new FakeClock();
  const broken: string[] = [];
  /** Issued tokens: when each stops being usable (obtained at the request's send time). */
  const mustRefreshAt = new Map<string, number>();
  const pending: {
    sentAt: number;
    resolve: (grant: TokenGrant) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let inFlight = 0;
  let issued = 0;
  let lastLimit = 0;
  const fetcher = (signal: AbortSignal) => {
    inFlight++;
    if (inFlight > 1) broken.push(`${inFlight} token requests in flight at once`);
    return new Promise<TokenGrant>((resolve, reject) => {
      let done = false;
      const entry = {
        sentAt: clock.now(),
        resolve: (grant: TokenGrant) => finish(() => resolve(grant)),
        reject: (error: unknown) => finish(() => reject(error)),
      };
      const finish = (how: () => void) => {
        if (done) return;
        done = true;
        inFlight--;
        pending.splice(pending.indexOf(entry), 1);
        how();
      };
      signal.addEventListener('abort', () => entry.reject(signal.reason), { once: true });
      pending.push(entry);
    });
  };
  const engine = new TokenEngine({
    fetcher,
    clock,
    policy: rules,
    random: () => 0.5,
    proactiveRefresh: proactive,
  });
  const check = (token: string | undefined, how: string) => {
    if (token === undefined) return;
    checks++;
    const limit = mustRefreshAt.get(token);
    if (limit === undefined) broken.push(`${how} handed out a token never issued`);
    else if (clock.now() >= limit)
      broken.push(`${how} handed out a token ${clock.now() - limit} ms past its safety margin`);
  };
  const waiters: { settled: boolean }[] = [];
  const wait = (promise: Promise<string>, how: string) => {
    const waiter = { settled: false };
    waiters.push(waiter);
    promise.then(
      (token) => {
        waiter.settled = true;
        check(token, how);
      },
      () => (waiter.settled = true),
    );
  };
  const succeed = (lifetimeMs: number) => {
    const token = `token-${++issued}`;
    const request = pending[0]!;
    const margin = Math.min(lifetimeMs * rules.safetyMarginRatio, rules.maxSafetyMarginMs);
    lastLimit = request.sentAt + lifetimeMs - margin;
    mustRefreshAt.set(token, lastLimit);
    request.resolve({ accessToken: token, lifetimeMs });
  };

  for (const s of steps) {
    switch (s.kind) {
      case 'advance':
        await clock.advance(s.ms);
        break;
      case 'edge':
        if (lastLimit + s.ms > clock.now()) await clock.advance(lastLimit + s.ms - clock.now());
        break;
      case 'wall':
        clock.jumpWall(s.ms);
        break;
      case 'get':
        wait(engine.getToken(), 'getToken');
        break;
      case 'get-abort': {
        const controller = new AbortController();
        wait(engine.getToken(controller.signal), 'getToken');
        await flush();
        controller.abort();
        break;
      }
      case 'peek':
        check(engine.peek(), 'peek');
        break;
      case 'refresh':
        wait(engine.refresh(), 'refresh');
        break;
      case 'invalidate':
        engine.invalidate();
        break;
      case 'succeed':
        if (pending.length > 0) {
          // The answer may take a while: time passes between the request and its answer.
          await clock.advance(s.lateMs);
          if (pending.length > 0) succeed(s.lifetimeMs);
        }
        break;
      case 'fail':
        pending[0]?.reject(
          s.failure === 'credentials'
            ? new SendfactCredentialsError(401)
            : new SendfactTokenRequestError('stand-in failure', {
                retryable: true,
                status: s.failure === 'retry-after' ? 429 : 503,
                ...(s.failure === 'retry-after' ? { retryAfterMs: s.retryAfterMs } : {}),
              }),
        );
        break;
    }
    await flush();
  }
  // Then the token endpoint heals: every caller must get an answer, none is lost.
  for (let round = 0; round < 50 && waiters.some((w) => !w.settled); round++) {
    if (pending.length > 0) succeed(120_000);
    else await clock.advance(60_000);
    await flush();
  }
  if (waiters.some((w) => !w.settled)) broken.push('a caller never got an answer');
  engine.close();
  await flush();
  if (inFlight !== 0) broken.push('a token request outlived close()');
  return broken;
}

describe('refresh schedule, for any lifetime and any sequence of clock steps', () => {
  it('never hands out a token past its safety margin, never has two token requests in flight, loses no caller', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 60 }),
        policy,
        fc.boolean(),
        async (steps, rules, proactive) => {
          expect(await run(steps, rules, proactive)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
    // The property saw real hand-outs, many right at the edge of the margin.
    expect(checks).toBeGreaterThan(500);
  });

  it('holds the same rules with the default policy and Sendfact-like 120 s tokens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 80 }), async (steps) => {
        const sendfactLike = steps.map((s) =>
          s.kind === 'succeed' ? { ...s, lifetimeMs: 120_000 } : s,
        );
        expect(await run(sendfactLike, { ...DEFAULT_REFRESH_POLICY }, false)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
