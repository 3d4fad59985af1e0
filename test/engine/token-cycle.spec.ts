import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  type TokenEngineEvent,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { TokenCycle } from '../../lib/engine/token-cycle.js';
import type { TokenSource } from '../../lib/interfaces/token-source.interface.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import { FakeSource } from '../support/fake-fetcher.js';

function setup(policy = {}) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const events: TokenEngineEvent[] = [];
  const cycle = new TokenCycle({
    source,
    accountId: 'default',
    clock,
    policy: { ...DEFAULT_REFRESH_POLICY, ...policy },
    random: () => 0.5,
    onEvent: (e) => events.push(e),
  });
  return { clock, source, cycle, events };
}

/** Has the cycle obtain its first token (of `lifetimeMs`) and returns it. */
async function firstToken(
  cycle: TokenCycle,
  source: FakeSource,
  lifetimeMs = 120_000,
): Promise<string> {
  const first = cycle.token();
  await flush();
  const token = source.succeed(lifetimeMs);
  expect(await first).toBe(token);
  return token;
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

const failure = (status: number, retryAfterMs?: number) =>
  new SendfactTokenRequestError(`HTTP ${status}`, {
    status,
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('TokenCycle', () => {
  it('caches the token: later callers get it without a token request', async () => {
    const { cycle, source, clock } = setup();
    const first = cycle.token();
    await flush();
    const token = source.succeed();
    expect(await first).toBe(token);
    await clock.advance(30_000);
    expect(await cycle.token()).toBe(token);
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(1);
  });

  it('makes one token request for 500 concurrent callers', async () => {
    const { cycle, source } = setup();
    const calls = Array.from({ length: 500 }, () => cycle.token());
    await flush();
    expect(source.calls).toBe(1);
    const token = source.succeed();
    expect(new Set(await Promise.all(calls))).toEqual(new Set([token]));
    expect(source.calls).toBe(1);
  });

  it('counts the lifetime from when the request was sent, not when the answer came', async () => {
    const { cycle, source, clock } = setup();
    const first = cycle.token();
    await flush();
    await clock.advance(50_000); // a very slow token endpoint
    source.succeed(120_000);
    await first;
    // Sent at t=0, lives 120 s, safety margin 12 s: unusable from t=108 s, i.e. 58 s after the answer.
    await clock.advance(57_000);
    expect(cycle.state().usable).toBe(true);
    await clock.advance(1_000);
    expect(cycle.current()?.value).toBeUndefined();
    expect(cycle.state().status).toBe('expired');
  });

  it('refreshes ahead past three quarters of the lifetime: callers get the held token at once while one refresh runs', async () => {
    const { cycle, source, clock, events } = setup();
    const old = await firstToken(cycle, source, 120_000);
    await clock.advance(89_000);
    expect(await cycle.token()).toBe(old);
    expect(source.calls).toBe(1); // not due before 90 s

    await clock.advance(2_000); // t = 91 s
    const during = Array.from({ length: 50 }, () => track(cycle.token()));
    await flush();
    for (const [i, s] of during.entries())
      expect(s, `caller #${i}`).toMatchObject({ settled: true, value: old });
    expect(source.calls).toBe(2); // exactly one background refresh
    expect(cycle.refreshing).toBe(true);

    const fresh = source.succeed(120_000);
    await flush();
    expect(await cycle.token()).toBe(fresh);
    expect(events.filter((e) => e.type === 'token-refreshed').map((e) => e.background)).toEqual([
      false,
      true,
    ]);
  });

  it('makes the refresh point relative to the lifetime (a 6 s token refreshes from 4.5 s)', async () => {
    const { cycle, source, clock } = setup();
    await firstToken(cycle, source, 6_000);
    await clock.advance(4_400);
    cycle.current();
    expect(source.calls).toBe(1);
    await clock.advance(200);
    cycle.current();
    expect(source.calls).toBe(2);
  });

  it('never hands out the old token past the safety margin: callers wait for the new one', async () => {
    const { cycle, source, clock } = setup();
    await firstToken(cycle, source, 120_000);
    await clock.advance(109_000); // inside the last 12 s
    const waiting = track(cycle.token());
    await flush();
    expect(waiting.settled).toBe(false);
    expect(source.calls).toBe(2);
    const fresh = source.succeed();
    await flush();
    expect(waiting.value).toBe(fresh);
  });

  it('keeps serving the valid token when a background refresh fails, and retries with backoff', async () => {
    const { cycle, source, clock, events } = setup();
    const old = await firstToken(cycle, source, 120_000);
    await clock.advance(91_000);
    expect(cycle.current()?.value).toBe(old); // starts the background refresh
    await flush();
    source.fail(failure(503));
    await flush();
    const failed = events.find((e) => e.type === 'refresh-failed');
    expect(failed).toMatchObject({ background: true, servingCachedToken: true });
    // Backoff: base 250 ms, equal jitter with random 0.5 -> 187.5 ms; no new request before it.
    expect((failed as { retryInMs: number }).retryInMs).toBeCloseTo(187.5);
    expect(cycle.current()?.value).toBe(old);
    await clock.advance(180);
    expect(source.calls).toBe(2);
    await clock.advance(10); // the retry timer fires
    expect(source.calls).toBe(3);
    source.fail(failure(500));
    await flush();
    expect(events.filter((e) => e.type === 'refresh-failed').at(-1)).toMatchObject({
      retryInMs: 375,
    });
    await clock.advance(375);
    expect(source.calls).toBe(4);
    const fresh = source.succeed();
    await flush();
    expect(cycle.current()?.value).toBe(fresh);
  });

  it('honours Retry-After on a failed background refresh', async () => {
    const { cycle, source, clock } = setup();
    await firstToken(cycle, source, 120_000);
    await clock.advance(91_000);
    cycle.current();
    await flush();
    source.fail(failure(429, 10_000));
    await clock.advance(9_000);
    cycle.current();
    expect(source.calls).toBe(2);
    await clock.advance(1_100);
    expect(source.calls).toBe(3);
  });

  it('retries transient failures a bounded number of times, then rejects with the cause', async () => {
    const { cycle, source, clock } = setup();
    const waiting = track(cycle.token());
    for (let i = 0; i < 3; i++) {
      await flush();
      source.fail(failure(502));
      await clock.advance(10_000);
    }
    expect(source.calls).toBe(3);
    expect(waiting.error).toBeInstanceOf(SendfactTokenRequestError);
    expect(waiting.error).toMatchObject({ status: 502, attempts: 3, retryable: true });
  });

  it('waits out a short Retry-After before the next attempt', async () => {
    const { cycle, source, clock } = setup();
    const waiting = track(cycle.token());
    await flush();
    source.fail(failure(503, 5_000));
    await clock.advance(4_900);
    expect(source.calls).toBe(1);
    await clock.advance(200);
    expect(source.calls).toBe(2);
    const token = source.succeed();
    await flush();
    expect(waiting.value).toBe(token);
  });

  it('fails at once on a Retry-After longer than the caller should wait', async () => {
    const { cycle, source } = setup();
    const waiting = track(cycle.token());
    await flush();
    source.fail(failure(429, 60_000));
    await flush();
    expect(waiting.error).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    // And the next caller does not hit the endpoint before Retry-After has passed.
    await expect(cycle.token()).rejects.toBeInstanceOf(SendfactTokenRequestError);
    expect(source.calls).toBe(1);
  });

  it('does not retry bad credentials, and answers the next callers from a short cooldown', async () => {
    const { cycle, source, clock } = setup();
    const waiting = track(cycle.token());
    await flush();
    source.fail(new SendfactCredentialsError(401));
    await flush();
    expect(waiting.error).toBeInstanceOf(SendfactCredentialsError);
    expect(source.calls).toBe(1);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        expect(cycle.token()).rejects.toBeInstanceOf(SendfactCredentialsError),
      ),
    );
    expect(source.calls).toBe(1);
    await clock.advance(DEFAULT_REFRESH_POLICY.credentialsErrorCooldownMs);
    void cycle.token().catch(() => {});
    await flush();
    expect(source.calls).toBe(2);
  });

  it('rejects a lifetime that is not a positive finite number', async () => {
    for (const lifetimeMs of [0, -5_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      const { cycle, source } = setup({ maxAttempts: 1 });
      const waiting = track(cycle.token());
      await flush();
      source.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs });
      await flush();
      expect(waiting.error).toBeInstanceOf(SendfactTokenResponseError);
    }
  });

  it('invalidates only the token it was told about, so stale 401s cause one new token request', async () => {
    const { cycle, source } = setup();
    const old = await firstToken(cycle, source);
    expect(cycle.invalidate(old)).toBe(true);
    const next = cycle.token();
    await flush();
    const fresh = source.succeed();
    await next;
    expect(cycle.invalidate(old)).toBe(false); // a late 401 for the old token
    expect(cycle.current()?.value).toBe(fresh);
    expect(source.calls).toBe(2);
  });

  it('refresh() gets a new token even while the held one is valid', async () => {
    const { cycle, source } = setup();
    const old = await firstToken(cycle, source);
    const forced = cycle.refresh();
    await flush();
    const fresh = source.succeed();
    expect(await forced).toBe(fresh);
    expect(fresh).not.toBe(old);
  });

  it('lets one caller abandon its wait while the others get the token', async () => {
    const { cycle, source } = setup();
    const controller = new AbortController();
    const quitter = track(cycle.token(controller.signal));
    const others = Array.from({ length: 5 }, () => track(cycle.token()));
    await flush();
    controller.abort();
    await flush();
    expect(quitter.error).toBeInstanceOf(SendfactAbortedError);
    const token = source.succeed();
    await flush();
    expect(others.map((s) => s.value)).toEqual(others.map(() => token));
    expect(source.calls).toBe(1);
  });

  it('close() aborts the token request under way, rejects its waiters and leaves no timer', async () => {
    const { cycle, source, clock } = setup({ maxAttempts: 3 });
    await firstToken(cycle, source, 120_000);
    await clock.advance(91_000);
    cycle.current();
    await flush();
    source.fail(failure(503)); // leaves a retry timer
    await flush();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(200); // the retry is now in flight
    const waiting = track(cycle.refresh());
    cycle.close();
    await flush();
    expect(waiting.error).toBeInstanceOf(SendfactAuthClosedError);
    expect(source.pending.filter((request) => !request.signal.aborted)).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    await expect(cycle.token()).rejects.toBeInstanceOf(SendfactAuthClosedError);
  });

  it('proactive refresh renews at the refresh point with no caller, on a cancellable timer', async () => {
    const clock = new FakeClock();
    const source = new FakeSource();
    const cycle = new TokenCycle({
      source,
      accountId: 'default',
      clock,
      proactiveRefresh: true,
    });
    await firstToken(cycle, source, 120_000);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(90_000);
    expect(source.calls).toBe(2);
    cycle.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('is not fooled by the wall clock jumping: lifetimes are monotonic', async () => {
    const { cycle, source, clock } = setup();
    const token = await firstToken(cycle, source, 120_000);
    clock.jumpWall(10 * 60_000);
    expect(cycle.current()?.value).toBe(token);
    clock.jumpWall(-20 * 60_000);
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(1);
  });

  it('reports its state without the token: a fingerprint, the schedule and the last failure', async () => {
    const { cycle, source, clock } = setup();
    expect(cycle.state()).toMatchObject({ status: 'none', usable: false });
    const token = await firstToken(cycle, source, 120_000);
    const state = cycle.state();
    expect(state).toMatchObject({
      status: 'valid',
      usable: true,
      lifetimeMs: 120_000,
      refreshing: false,
    });
    expect(state.expiresAt!.getTime() - clock.wallNow()).toBe(120_000);
    expect(state.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(state)).not.toContain(token);
  });

  it('counts the token requests it made, not tokens taken from a shared store; failed requests count', async () => {
    const { cycle, source, clock } = setup();
    const shared = track(cycle.token());
    await flush();
    const token = source.succeed(120_000, { shared: true });
    await flush();
    expect(shared.value).toBe(token);
    expect(cycle.stats).toMatchObject({ tokenRequests: 0, tokenRequestFailures: 0, refreshes: 1 });

    const own = track(cycle.refresh());
    await flush();
    source.fail(failure(503));
    await flush();
    expect(cycle.stats).toMatchObject({ tokenRequests: 1, tokenRequestFailures: 1 });
    await clock.advance(187.5); // the backoff
    source.succeed();
    await flush();
    expect(own.value).toBeDefined();
    expect(cycle.stats).toMatchObject({ tokenRequests: 2, tokenRequestFailures: 1, refreshes: 2 });
  });

  it('close() fails the callers waiting on a token request at once, even when the source never settles', async () => {
    const clock = new FakeClock();
    let asked = 0;
    // Ignores the abort, and never answers.
    const hung: TokenSource = {
      token: () => {
        asked++;
        return new Promise(() => {});
      },
    };
    const cycle = new TokenCycle({ source: hung, accountId: 'acme', clock });
    const waiting = Array.from({ length: 3 }, () => track(cycle.token()));
    await flush();
    expect(asked).toBe(1);
    cycle.close();
    await flush();
    for (const caller of waiting) {
      expect(caller.error).toBeInstanceOf(SendfactAuthClosedError);
      expect(caller.error).toMatchObject({ accountId: 'acme' });
    }
    await expect(cycle.token()).rejects.toBeInstanceOf(SendfactAuthClosedError);
    expect(asked).toBe(1);
  });

  it('tells the source a token was refused only when invalidate() names it, not on a plain drop', async () => {
    const { cycle, source } = setup();
    await firstToken(cycle, source);
    expect(cycle.invalidate()).toBe(true);
    expect(source.refusedTokens).toEqual([]);
    const second = await firstToken(cycle, source);
    expect(cycle.invalidate(second)).toBe(true);
    expect(source.refusedTokens).toEqual([second]);
    expect(cycle.stats.invalidations).toBe(2);
  });

  it('tells the source which token a request replaces: none at first, then the held one', async () => {
    const { cycle, source, clock } = setup();
    const first = await firstToken(cycle, source);
    expect(source.requests[0]).toMatchObject({ stale: undefined, fromEndpoint: false });
    await clock.advance(91_000);
    cycle.current(); // the background refresh replaces the held token
    const second = track(cycle.refresh());
    await flush();
    expect(source.requests[1]).toMatchObject({ stale: first, fromEndpoint: false });
    const fresh = source.succeed();
    await flush();
    expect(second.value).toBe(fresh);
  });

  it('after invalidate(token), tells the source the refused token its next request replaces', async () => {
    const { cycle, source } = setup();
    const refused = await firstToken(cycle, source);
    cycle.invalidate(refused);
    const next = track(cycle.token());
    await flush();
    // A shared store must not hand the refused token back before its deletion (behind the callers) lands.
    expect(source.requests[1]).toMatchObject({ stale: refused });
    source.succeed();
    await flush();
    expect(next.value).not.toBe(refused);
  });

  it('tells onWait each time a caller has to wait for a token request, never when the held token serves', async () => {
    const clock = new FakeClock();
    const source = new FakeSource();
    let waits = 0;
    const cycle = new TokenCycle({ source, accountId: 'default', clock, onWait: () => waits++ });
    const callers = [cycle.token(), cycle.token()];
    await flush();
    expect(waits).toBe(2);
    source.succeed();
    await Promise.all(callers);
    await cycle.token();
    expect(waits).toBe(2);
  });
});
