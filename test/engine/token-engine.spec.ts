import {
  DEFAULT_REFRESH_POLICY,
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  TokenEngine,
  type TokenEngineEvent,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../support/fake-clock.js';
import { FakeFetcher } from '../support/fake-fetcher.js';

function setup(policy = {}) {
  const clock = new FakeClock();
  const fetcher = new FakeFetcher();
  const events: TokenEngineEvent[] = [];
  const engine = new TokenEngine({
    fetcher: fetcher.fetch,
    clock,
    policy: { ...DEFAULT_REFRESH_POLICY, ...policy },
    random: () => 0.5,
    onEvent: (e) => events.push(e),
  });
  return { clock, fetcher, engine, events };
}

/** Has the engine obtain its first token (of `lifetimeMs`) and returns it. */
async function firstToken(
  engine: TokenEngine,
  fetcher: FakeFetcher,
  lifetimeMs = 120_000,
): Promise<string> {
  const first = engine.getToken();
  await flush();
  const token = fetcher.succeed(lifetimeMs);
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

describe('TokenEngine', () => {
  it('caches the token: later callers get it without a token request', async () => {
    const { engine, fetcher, clock } = setup();
    const first = engine.getToken();
    await flush();
    const token = fetcher.succeed();
    expect(await first).toBe(token);
    await clock.advance(30_000);
    expect(await engine.getToken()).toBe(token);
    expect(engine.peek()).toBe(token);
    expect(fetcher.calls).toBe(1);
  });

  it('makes one token request for 500 concurrent callers', async () => {
    const { engine, fetcher } = setup();
    const calls = Array.from({ length: 500 }, () => engine.getToken());
    await flush();
    expect(fetcher.calls).toBe(1);
    const token = fetcher.succeed();
    expect(new Set(await Promise.all(calls))).toEqual(new Set([token]));
    expect(fetcher.calls).toBe(1);
  });

  it('counts the lifetime from when the request was sent, not when the answer came', async () => {
    const { engine, fetcher, clock } = setup();
    const first = engine.getToken();
    await flush();
    await clock.advance(50_000); // a very slow token endpoint
    fetcher.succeed(120_000);
    await first;
    // Sent at t=0, lives 120 s, safety margin 12 s: unusable from t=108 s, i.e. 58 s after the answer.
    await clock.advance(57_000);
    expect(engine.state().usable).toBe(true);
    await clock.advance(1_000);
    expect(engine.peek()).toBeUndefined();
    expect(engine.state().status).toBe('expired');
  });

  it('refreshes ahead past three quarters of the lifetime: callers get the held token at once while one refresh runs', async () => {
    const { engine, fetcher, clock, events } = setup();
    const old = await firstToken(engine, fetcher, 120_000);
    await clock.advance(89_000);
    expect(await engine.getToken()).toBe(old);
    expect(fetcher.calls).toBe(1); // not due before 90 s

    await clock.advance(2_000); // t = 91 s
    const during = Array.from({ length: 50 }, () => track(engine.getToken()));
    await flush();
    for (const [i, s] of during.entries())
      expect(s, `caller #${i}`).toMatchObject({ settled: true, value: old });
    expect(fetcher.calls).toBe(2); // exactly one background refresh
    expect(engine.refreshing).toBe(true);

    const fresh = fetcher.succeed(120_000);
    await flush();
    expect(await engine.getToken()).toBe(fresh);
    expect(events.filter((e) => e.type === 'token-refreshed').map((e) => e.background)).toEqual([
      false,
      true,
    ]);
  });

  it('makes the refresh point relative to the lifetime (a 6 s token refreshes from 4.5 s)', async () => {
    const { engine, fetcher, clock } = setup();
    await firstToken(engine, fetcher, 6_000);
    await clock.advance(4_400);
    engine.peek();
    expect(fetcher.calls).toBe(1);
    await clock.advance(200);
    engine.peek();
    expect(fetcher.calls).toBe(2);
  });

  it('never hands out the old token past the safety margin: callers wait for the new one', async () => {
    const { engine, fetcher, clock } = setup();
    await firstToken(engine, fetcher, 120_000);
    await clock.advance(109_000); // inside the last 12 s
    const waiting = track(engine.getToken());
    await flush();
    expect(waiting.settled).toBe(false);
    expect(fetcher.calls).toBe(2);
    const fresh = fetcher.succeed();
    await flush();
    expect(waiting.value).toBe(fresh);
  });

  it('keeps serving the valid token when a background refresh fails, and retries with backoff', async () => {
    const { engine, fetcher, clock, events } = setup();
    const old = await firstToken(engine, fetcher, 120_000);
    await clock.advance(91_000);
    expect(engine.peek()).toBe(old); // starts the background refresh
    await flush();
    fetcher.fail(failure(503));
    await flush();
    const failed = events.find((e) => e.type === 'refresh-failed');
    expect(failed).toMatchObject({ background: true, servingCachedToken: true });
    // Backoff: base 250 ms, equal jitter with random 0.5 -> 187.5 ms; no new request before it.
    expect((failed as { retryInMs: number }).retryInMs).toBeCloseTo(187.5);
    expect(engine.peek()).toBe(old);
    await clock.advance(180);
    expect(fetcher.calls).toBe(2);
    await clock.advance(10); // the retry timer fires
    expect(fetcher.calls).toBe(3);
    fetcher.fail(failure(500));
    await flush();
    expect(events.filter((e) => e.type === 'refresh-failed').at(-1)).toMatchObject({
      retryInMs: 375,
    });
    await clock.advance(375);
    expect(fetcher.calls).toBe(4);
    const fresh = fetcher.succeed();
    await flush();
    expect(engine.peek()).toBe(fresh);
  });

  it('honours Retry-After on a failed background refresh', async () => {
    const { engine, fetcher, clock } = setup();
    await firstToken(engine, fetcher, 120_000);
    await clock.advance(91_000);
    engine.peek();
    await flush();
    fetcher.fail(failure(429, 10_000));
    await clock.advance(9_000);
    engine.peek();
    expect(fetcher.calls).toBe(2);
    await clock.advance(1_100);
    expect(fetcher.calls).toBe(3);
  });

  it('retries transient failures a bounded number of times, then rejects with the cause', async () => {
    const { engine, fetcher, clock } = setup();
    const waiting = track(engine.getToken());
    for (let i = 0; i < 3; i++) {
      await flush();
      fetcher.fail(failure(502));
      await clock.advance(10_000);
    }
    expect(fetcher.calls).toBe(3);
    expect(waiting.error).toBeInstanceOf(SendfactTokenRequestError);
    expect(waiting.error).toMatchObject({ status: 502, attempts: 3, retryable: true });
  });

  it('waits out a short Retry-After before the next attempt', async () => {
    const { engine, fetcher, clock } = setup();
    const waiting = track(engine.getToken());
    await flush();
    fetcher.fail(failure(503, 5_000));
    await clock.advance(4_900);
    expect(fetcher.calls).toBe(1);
    await clock.advance(200);
    expect(fetcher.calls).toBe(2);
    const token = fetcher.succeed();
    await flush();
    expect(waiting.value).toBe(token);
  });

  it('fails at once on a Retry-After longer than the caller should wait', async () => {
    const { engine, fetcher } = setup();
    const waiting = track(engine.getToken());
    await flush();
    fetcher.fail(failure(429, 60_000));
    await flush();
    expect(waiting.error).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    // And the next caller does not hit the endpoint before Retry-After has passed.
    await expect(engine.getToken()).rejects.toBeInstanceOf(SendfactTokenRequestError);
    expect(fetcher.calls).toBe(1);
  });

  it('does not retry bad credentials, and answers the next callers from a short cooldown', async () => {
    const { engine, fetcher, clock } = setup();
    const waiting = track(engine.getToken());
    await flush();
    fetcher.fail(new SendfactCredentialsError(401));
    await flush();
    expect(waiting.error).toBeInstanceOf(SendfactCredentialsError);
    expect(fetcher.calls).toBe(1);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        expect(engine.getToken()).rejects.toBeInstanceOf(SendfactCredentialsError),
      ),
    );
    expect(fetcher.calls).toBe(1);
    await clock.advance(DEFAULT_REFRESH_POLICY.credentialsErrorCooldownMs);
    void engine.getToken().catch(() => {});
    await flush();
    expect(fetcher.calls).toBe(2);
  });

  it('rejects a lifetime that is not a positive finite number', async () => {
    for (const lifetimeMs of [0, -5_000, Number.NaN, Number.POSITIVE_INFINITY]) {
      const { engine, fetcher } = setup({ maxAttempts: 1 });
      const waiting = track(engine.getToken());
      await flush();
      fetcher.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs });
      await flush();
      expect(waiting.error).toBeInstanceOf(SendfactTokenResponseError);
    }
  });

  it('invalidates only the token it was told about, so stale 401s cause one new token request', async () => {
    const { engine, fetcher } = setup();
    const old = await firstToken(engine, fetcher);
    expect(engine.invalidate(old)).toBe(true);
    const next = engine.getToken();
    await flush();
    const fresh = fetcher.succeed();
    await next;
    expect(engine.invalidate(old)).toBe(false); // a late 401 for the old token
    expect(engine.peek()).toBe(fresh);
    expect(fetcher.calls).toBe(2);
  });

  it('refresh() gets a new token even while the held one is valid', async () => {
    const { engine, fetcher } = setup();
    const old = await firstToken(engine, fetcher);
    const forced = engine.refresh();
    await flush();
    const fresh = fetcher.succeed();
    expect(await forced).toBe(fresh);
    expect(fresh).not.toBe(old);
  });

  it('lets one caller abandon its wait while the others get the token', async () => {
    const { engine, fetcher } = setup();
    const controller = new AbortController();
    const quitter = track(engine.getToken(controller.signal));
    const others = Array.from({ length: 5 }, () => track(engine.getToken()));
    await flush();
    controller.abort();
    await flush();
    expect(quitter.error).toBeInstanceOf(SendfactAbortedError);
    const token = fetcher.succeed();
    await flush();
    expect(others.map((s) => s.value)).toEqual(others.map(() => token));
    expect(fetcher.calls).toBe(1);
  });

  it('close() aborts the token request under way, rejects its waiters and leaves no timer', async () => {
    const { engine, fetcher, clock } = setup({ maxAttempts: 3 });
    await firstToken(engine, fetcher, 120_000);
    await clock.advance(91_000);
    engine.peek();
    await flush();
    fetcher.fail(failure(503)); // leaves a retry timer
    await flush();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(200); // the retry is now in flight
    const waiting = track(engine.refresh());
    engine.close();
    await flush();
    expect(waiting.error).toBeInstanceOf(SendfactAuthClosedError);
    expect(fetcher.pending.filter((request) => !request.signal.aborted)).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    await expect(engine.getToken()).rejects.toBeInstanceOf(SendfactAuthClosedError);
  });

  it('proactive refresh renews at the refresh point with no caller, on a cancellable timer', async () => {
    const clock = new FakeClock();
    const fetcher = new FakeFetcher();
    const engine = new TokenEngine({ fetcher: fetcher.fetch, clock, proactiveRefresh: true });
    await firstToken(engine, fetcher, 120_000);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(90_000);
    expect(fetcher.calls).toBe(2);
    engine.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('is not fooled by the wall clock jumping: lifetimes are monotonic', async () => {
    const { engine, fetcher, clock } = setup();
    const token = await firstToken(engine, fetcher, 120_000);
    clock.jumpWall(10 * 60_000);
    expect(engine.peek()).toBe(token);
    clock.jumpWall(-20 * 60_000);
    expect(engine.peek()).toBe(token);
    expect(fetcher.calls).toBe(1);
  });

  it('reports its state without the token: a fingerprint, the schedule and the last failure', async () => {
    const { engine, fetcher, clock } = setup();
    expect(engine.state()).toMatchObject({ status: 'none', usable: false });
    const token = await firstToken(engine, fetcher, 120_000);
    const state = engine.state();
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
});
