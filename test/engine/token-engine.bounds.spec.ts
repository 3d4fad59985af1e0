import {
  DEFAULT_REFRESH_POLICY,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { flush } from '../support/fake-clock.js';
import { engineOnKeepAliveClock } from './keep-alive-clock.js';

const setup = engineOnKeepAliveClock;

/** Records whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const unavailable = (retryAfterMs?: number) =>
  new SendfactTokenRequestError('HTTP 503', {
    status: 503,
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('TokenEngine timers and the process', () => {
  it('keeps the process alive on a backoff a caller waits on, and never on a timer nobody awaits', async () => {
    const { engine, fetcher, clock } = setup({}, true);
    const waiting = track(engine.getToken());
    await flush();
    fetcher.fail(unavailable());
    await flush();
    // The caller's retry backoff.
    expect(clock.history).toEqual([{ ms: 187.5, keepAlive: true }]);
    await clock.advance(187.5);
    fetcher.succeed(120_000);
    await flush();
    expect(waiting.value).toBeDefined();
    // The proactive refresh: nobody awaits it.
    expect(clock.history[1]).toEqual({ ms: 90_000, keepAlive: false });
    await clock.advance(90_000);
    await flush();
    fetcher.fail(unavailable());
    await flush();
    // The background retry, with the valid token still served: nobody awaits it either.
    expect(clock.history.slice(2)).toEqual([{ ms: 187.5, keepAlive: false }]);
    engine.close();
  });

  it('keeps the process alive while a caller waits out a Retry-After before the next try', async () => {
    const { engine, fetcher, clock } = setup();
    const waiting = track(engine.getToken());
    await flush();
    fetcher.fail(unavailable(5_000));
    await flush();
    expect(clock.history).toEqual([{ ms: 5_000, keepAlive: true }]);
    await clock.advance(5_000);
    fetcher.succeed();
    await flush();
    expect(waiting.value).toBeDefined();
  });
});

describe('TokenEngine bounds', () => {
  it.each([
    ['a day', 86_400_000],
    ['until the year 9999', Date.UTC(9999, 11, 31) - Date.UTC(2026, 10, 29)],
  ])(
    'holds token requests back at most maxRetryAfterMs on a Retry-After of %s, then serves again',
    async (_, retryAfterMs) => {
      const { engine, fetcher, clock } = setup();
      const waiting = track(engine.getToken());
      await flush();
      fetcher.fail(unavailable(retryAfterMs));
      await flush();
      // Too long to hold the caller: it gets the error at once, with what the server asked.
      expect(waiting.error).toMatchObject({ retryAfterMs });
      await expect(engine.getToken()).rejects.toBeInstanceOf(SendfactTokenRequestError);
      expect(fetcher.calls).toBe(1);
      expect(clock.history.filter((t) => t.ms > DEFAULT_REFRESH_POLICY.maxRetryAfterMs)).toEqual(
        [],
      );
      // Sendfact answers again: past maxRetryAfterMs the account is not locked any more.
      await clock.advance(DEFAULT_REFRESH_POLICY.maxRetryAfterMs);
      const again = track(engine.getToken());
      await flush();
      expect(fetcher.calls).toBe(2);
      const token = fetcher.succeed();
      await flush();
      expect(again.value).toBe(token);
    },
  );

  it('holds a background refresh back at most maxRetryAfterMs on a Retry-After of a day', async () => {
    const { engine, fetcher, clock } = setup();
    const first = track(engine.getToken());
    await flush();
    fetcher.succeed(120_000);
    await flush();
    await clock.advance(91_000);
    expect(engine.peek()).toBe(first.value); // starts the background refresh
    await flush();
    fetcher.fail(unavailable(86_400_000));
    await flush();
    await clock.advance(DEFAULT_REFRESH_POLICY.maxRetryAfterMs);
    await flush();
    expect(fetcher.calls).toBe(3); // retried on its own, within the token's life
    const fresh = fetcher.succeed();
    await flush();
    expect(engine.peek()).toBe(fresh);
  });

  it('refuses a lifetime over a day from any fetcher (a token store included) with SendfactTokenResponseError', async () => {
    for (const lifetimeMs of [86_400_001, 1e16]) {
      const { engine, fetcher } = setup({ maxAttempts: 1 });
      const waiting = track(engine.getToken());
      await flush();
      fetcher.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs });
      await flush();
      expect(waiting.error).toBeInstanceOf(SendfactTokenResponseError);
      expect(engine.state().status).toBe('none');
    }
  });

  it('accepts a lifetime of exactly a day and reports valid dates for it', async () => {
    const { engine, fetcher } = setup();
    const waiting = track(engine.getToken());
    await flush();
    fetcher.succeed(86_400_000);
    await flush();
    expect(waiting.value).toBeDefined();
    const state = engine.state();
    for (const date of [state.obtainedAt, state.refreshAt, state.expiresAt])
      expect(Number.isFinite(date!.getTime())).toBe(true);
  });

  it('ignores a grant start that is in the future or not a number: the token lives from the request', async () => {
    for (const obtainedAt of [Number.NaN, 1e15]) {
      const { engine, fetcher, clock } = setup();
      const waiting = track(engine.getToken());
      await flush();
      fetcher.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs: 120_000, obtainedAt });
      await flush();
      expect(waiting.value).toBe('x');
      expect(engine.state().expiresAt!.getTime()).toBeLessThanOrEqual(clock.wallNow() + 120_000);
    }
  });
});

describe('TokenEngine, an API that refuses fresh tokens', () => {
  it('fetches once more when a token is refused, and backs off with SendfactTokenRejectedError when the new one is refused too', async () => {
    const { engine, fetcher, clock } = setup();
    const first = track(engine.getToken());
    await flush();
    const t1 = fetcher.succeed();
    await flush();
    expect(first.value).toBe(t1);
    // Refused: a revoked token is normal, so one new token request.
    expect(engine.invalidate(t1)).toBe(true);
    const second = track(engine.getToken());
    await flush();
    const t2 = fetcher.succeed();
    await flush();
    expect(second.value).toBe(t2);
    // The fresh replacement is refused too: the API refuses fresh tokens; stop fetching one per request.
    await clock.advance(1_000);
    expect(engine.invalidate(t2)).toBe(true);
    const callers = await Promise.allSettled(Array.from({ length: 200 }, () => engine.getToken()));
    expect(callers.filter((r) => r.status !== 'rejected')).toEqual([]);
    const error = (callers[0] as PromiseRejectedResult).reason as SendfactTokenRejectedError;
    expect(error).toBeInstanceOf(SendfactTokenRejectedError);
    expect(error).toMatchObject({ code: 'TOKEN_REJECTED', retryable: true, retryAfterMs: 5_000 });
    expect(fetcher.calls).toBe(2);
    // After the documented period the next caller gets a new token request.
    await clock.advance(5_000);
    const later = track(engine.getToken());
    await flush();
    expect(fetcher.calls).toBe(3);
    const t3 = fetcher.succeed();
    await flush();
    expect(later.value).toBe(t3);
  });

  it('does not back off when the replacement token had served until its refresh point', async () => {
    const { engine, fetcher, clock } = setup();
    void engine.getToken();
    await flush();
    const t1 = fetcher.succeed(120_000);
    await flush();
    engine.invalidate(t1);
    void engine.getToken();
    await flush();
    const t2 = fetcher.succeed(120_000);
    await flush();
    await clock.advance(95_000); // past its refresh point: it had a normal life
    engine.invalidate(t2);
    const next = track(engine.getToken());
    await flush();
    expect(fetcher.calls).toBe(3);
    fetcher.succeed();
    await flush();
    expect(next.value).toBeDefined();
  });

  it('does not count a plain drop (invalidate without a token) as a refusal', async () => {
    const { engine, fetcher } = setup();
    void engine.getToken();
    await flush();
    fetcher.succeed();
    await flush();
    engine.invalidate();
    void engine.getToken();
    await flush();
    const t2 = fetcher.succeed();
    await flush();
    engine.invalidate(t2);
    const next = track(engine.getToken());
    await flush();
    expect(fetcher.calls).toBe(3);
    fetcher.succeed();
    await flush();
    expect(next.value).toBeDefined();
  });
});
