import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  type RefreshPolicy,
  type TokenGrant,
} from 'nestjs-sendfact-auth';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle } from '../../lib/engine/token-cycle.js';
import type { HeldToken } from '../../lib/interfaces/token-cycle.interface.js';
import type { TokenRequest, TokenSource } from '../../lib/interfaces/token-source.interface.js';
import { FakeClock, flush } from '../support/fake-clock.js';

type Failure = 'transient' | 'credentials' | 'retry-after';
type Step =
  | { kind: 'advance'; ms: number }
  /** To the last issued token's unusable point, plus `ms` (-2..2): where an off-by-one would show. */
  | { kind: 'edge'; ms: number }
  | { kind: 'wall'; ms: number }
  | { kind: 'get' }
  | { kind: 'next' }
  | { kind: 'get-abort' }
  | { kind: 'peek' }
  | { kind: 'refresh' }
  | { kind: 'invalidate'; refused: boolean }
  /** A 401 on `path`: for the held token (a new request), or for the last replay's token. */
  | { kind: 'refuse'; path: number; replay: boolean }
  | { kind: 'accepted' }
  /** `shared`: taken from a store (unless the request wants a token from the endpoint). */
  | { kind: 'succeed'; lifetimeMs: number; lateMs: number; shared: boolean }
  | { kind: 'fail'; failure: Failure; retryAfterMs: number };

const refusal: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('refuse' as const),
  path: fc.nat(2),
  replay: fc.boolean(),
});

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
  { arbitrary: fc.constant({ kind: 'get' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'next' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'get-abort' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'peek' as const }), weight: 6 },
  { arbitrary: fc.constant({ kind: 'refresh' as const }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('invalidate' as const), refused: fc.boolean() }),
    weight: 1,
  },
  { arbitrary: refusal, weight: 2 },
  { arbitrary: fc.constant({ kind: 'accepted' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('succeed' as const),
      lifetimeMs: fc.oneof(
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constant(120_000),
      ),
      lateMs: fc.oneof(fc.nat(5_000), fc.nat(5)),
      shared: fc.boolean(),
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
  tokenRejectedCooldownMs: fc.integer({ min: 0, max: 10_000 }),
});

let checks = 0;
/** Replacements handed out after a 401, and those that had to come from the endpoint. */
const replaced = { any: 0, fromEndpoint: 0 };
const noop = () => {};
const asIs = (token: string) => token;

/** Runs `steps` against a token cycle and returns what broke the rules, if anything. */
async function run(steps: Step[], rules: RefreshPolicy, proactive: boolean): Promise<string[]> {
  const clock = new FakeClock();
  const broken: string[] = [];
  /** Issued tokens: when each stops being usable (obtained at the request's send time), and where from. */
  const issuedTokens = new Map<
    string,
    { mustRefreshAt: number; sentAt: number; shared: boolean }
  >();
  const pending: {
    sentAt: number;
    request: TokenRequest;
    resolve: (grant: TokenGrant) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let inFlight = 0;
  let issued = 0;
  let lastLimit = 0;
  const source: TokenSource = {
    token: (request) => {
      const { signal } = request;
      inFlight++;
      if (inFlight > 1) broken.push(`${inFlight} token requests in flight at once`);
      return new Promise<TokenGrant>((resolve, reject) => {
        let done = false;
        const entry = {
          sentAt: clock.now(),
          request,
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
    },
  };
  const cycle = new TokenCycle({
    source,
    accountId: 'default',
    clock,
    policy: rules,
    random: () => 0.5,
    proactiveRefresh: proactive,
  });
  const check = (token: string | undefined, how: string) => {
    if (token === undefined) return;
    checks++;
    const limit = issuedTokens.get(token)?.mustRefreshAt;
    if (limit === undefined) broken.push(`${how} handed out a token never issued`);
    else if (clock.now() >= limit)
      broken.push(`${how} handed out a token ${clock.now() - limit} ms past its safety margin`);
  };
  const waiters: { settled: boolean }[] = [];
  const wait = <T>(promise: Promise<T>, how: string, token: (value: T) => string) => {
    const waiter = { settled: false };
    waiters.push(waiter);
    promise.then(
      (value) => {
        waiter.settled = true;
        check(token(value), how);
      },
      () => (waiter.settled = true),
    );
    return promise;
  };
  const succeed = (lifetimeMs: number, shared = false) => {
    const token = `token-${++issued}`;
    const request = pending[0]!;
    const margin = Math.min(lifetimeMs * rules.safetyMarginRatio, rules.maxSafetyMarginMs);
    lastLimit = request.sentAt + lifetimeMs - margin;
    // A store is skipped when only a token from the endpoint will do.
    const fromStore = shared && request.request.fromEndpoint !== true;
    issuedTokens.set(token, {
      mustRefreshAt: lastLimit,
      sentAt: request.sentAt,
      shared: fromStore,
    });
    request.resolve({ accessToken: token, lifetimeMs, shared: fromStore });
  };
  /** The last token handed out: a 401 may come back for it long after. */
  let lastSent: HeldToken | undefined;
  /** The last replay's token, and when the token it replaced was refused: a 401 to it is a second one. */
  let replay: { held: HeldToken; after: number } | undefined;
  const refuse = (path: number, again: boolean) => {
    const last = again ? replay : undefined;
    const sent = last?.held ?? cycle.current() ?? lastSent;
    if (sent === undefined) return;
    if (last !== undefined) replay = undefined;
    const next = cycle.refused(sent, `get /path/${path}`, last?.after);
    if (next === undefined) return;
    if (next.stale !== sent.value)
      broken.push('a replacement for another token than the one refused');
    void wait(cycle.replacement(next), 'replacement', (held) => held.value).then((held) => {
      const given = issuedTokens.get(held.value);
      if (held.value === next.stale) broken.push('the refused token handed out as its replacement');
      if (next.fromEndpoint && (given?.shared !== false || given.sentAt < next.after))
        broken.push(
          'a stored or earlier token handed out when one fresh from the endpoint was wanted',
        );
      replaced.any++;
      if (next.fromEndpoint) replaced.fromEndpoint++;
      replay = { held, after: next.after };
      lastSent = held;
    }, noop);
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
        wait(cycle.token(), 'token', asIs);
        break;
      case 'get-abort': {
        const controller = new AbortController();
        wait(cycle.token(controller.signal), 'token', asIs);
        await flush();
        controller.abort();
        break;
      }
      case 'next':
        void wait(cycle.next(), 'next', (held) => held.value).then((held) => {
          lastSent = held;
        }, noop);
        break;
      case 'peek': {
        const held = cycle.current();
        check(held?.value, 'current');
        lastSent = held ?? lastSent;
        break;
      }
      case 'refresh':
        wait(cycle.refresh(), 'refresh', asIs);
        break;
      case 'invalidate':
        cycle.invalidate(s.refused ? cycle.current()?.value : undefined);
        break;
      case 'refuse':
        refuse(s.path, s.replay);
        break;
      case 'accepted':
        cycle.accepted();
        break;
      case 'succeed':
        if (pending.length > 0) {
          // The answer may take a while: time passes between the request and its answer.
          await clock.advance(s.lateMs);
          if (pending.length > 0) succeed(s.lifetimeMs, s.shared);
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
  cycle.close();
  await flush();
  if (inFlight !== 0) broken.push('a token request outlived close()');
  return broken;
}

describe('refresh schedule, for any lifetime and any sequence of clock steps and 401s', () => {
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

  it('holds the same rules while the API answers 401s: replacements, replays, stored tokens', async () => {
    replaced.any = replaced.fromEndpoint = 0;
    // 401s to replays, and tokens from a store, often enough to reach replacements from the endpoint.
    const often401 = fc.oneof(
      { arbitrary: step, weight: 3 },
      { arbitrary: refusal, weight: 2 },
      { arbitrary: fc.constant<Step>({ kind: 'refuse', path: 0, replay: true }), weight: 1 },
      {
        arbitrary: fc.constant<Step>({
          kind: 'succeed',
          lifetimeMs: 120_000,
          lateMs: 0,
          shared: true,
        }),
        weight: 1,
      },
      { arbitrary: fc.constant<Step>({ kind: 'next' }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(often401, { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        policy,
        async (steps, shared, rules) => {
          // Starts with a token handed out, from a store or not.
          const first: Step[] = [
            { kind: 'next' },
            { kind: 'succeed', lifetimeMs: 120_000, lateMs: 0, shared },
          ];
          expect(await run([...first, ...steps], rules, false)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
    // The property saw replacements, some of which had to come from the endpoint.
    expect(replaced.any).toBeGreaterThan(100);
    expect(replaced.fromEndpoint).toBeGreaterThan(0);
  });
});
