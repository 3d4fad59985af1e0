import { SendfactTokenRequestError, SendfactTokenResponseError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { flush } from '../support/fake-clock.js';
import { cycleOnKeepAliveClock } from './keep-alive-clock.js';

const setup = cycleOnKeepAliveClock;

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

describe('TokenCycle timers and the process', () => {
  it('keeps the process alive on a backoff a caller waits on, and never on a timer nobody awaits', async () => {
    const { cycle, source, clock } = setup({}, true);
    const waiting = track(cycle.token());
    await flush();
    source.fail(unavailable());
    await flush();
    // The caller's retry backoff.
    expect(clock.history).toEqual([{ ms: 187.5, keepAlive: true }]);
    await clock.advance(187.5);
    source.succeed(120_000);
    await flush();
    expect(waiting.value).toBeDefined();
    // The proactive refresh: nobody awaits it.
    expect(clock.history[1]).toEqual({ ms: 90_000, keepAlive: false });
    await clock.advance(90_000);
    await flush();
    source.fail(unavailable());
    await flush();
    // The background retry, with the valid token still served: nobody awaits it either.
    expect(clock.history.slice(2)).toEqual([{ ms: 187.5, keepAlive: false }]);
    cycle.close();
  });

  it('keeps the process alive while a caller waits out a Retry-After before the next try', async () => {
    const { cycle, source, clock } = setup();
    const waiting = track(cycle.token());
    await flush();
    source.fail(unavailable(5_000));
    await flush();
    expect(clock.history).toEqual([{ ms: 5_000, keepAlive: true }]);
    await clock.advance(5_000);
    source.succeed();
    await flush();
    expect(waiting.value).toBeDefined();
  });
});

describe('TokenCycle bounds', () => {
  it.each([
    ['a day', 86_400_000],
    ['until the year 9999', Date.UTC(9999, 11, 31) - Date.UTC(2026, 10, 29)],
  ])(
    'holds token requests back at most maxRetryAfterMs on a Retry-After of %s, then serves again',
    async (_, retryAfterMs) => {
      const { cycle, source, clock } = setup();
      const waiting = track(cycle.token());
      await flush();
      source.fail(unavailable(retryAfterMs));
      await flush();
      // Too long to hold the caller: it gets the error at once, with what the server asked.
      expect(waiting.error).toMatchObject({ retryAfterMs });
      await expect(cycle.token()).rejects.toBeInstanceOf(SendfactTokenRequestError);
      expect(source.calls).toBe(1);
      expect(clock.history.filter((t) => t.ms > DEFAULT_REFRESH_POLICY.maxRetryAfterMs)).toEqual(
        [],
      );
      // Sendfact answers again: past maxRetryAfterMs the account is not locked any more.
      await clock.advance(DEFAULT_REFRESH_POLICY.maxRetryAfterMs);
      const again = track(cycle.token());
      await flush();
      expect(source.calls).toBe(2);
      const token = source.succeed();
      await flush();
      expect(again.value).toBe(token);
    },
  );

  it('holds a background refresh back at most maxRetryAfterMs on a Retry-After of a day', async () => {
    const { cycle, source, clock } = setup();
    const first = track(cycle.token());
    await flush();
    source.succeed(120_000);
    await flush();
    await clock.advance(91_000);
    expect(cycle.current()?.value).toBe(first.value); // starts the background refresh
    await flush();
    source.fail(unavailable(86_400_000));
    await flush();
    await clock.advance(DEFAULT_REFRESH_POLICY.maxRetryAfterMs);
    await flush();
    expect(source.calls).toBe(3); // retried on its own, within the token's life
    const fresh = source.succeed();
    await flush();
    expect(cycle.current()?.value).toBe(fresh);
  });

  it('refuses a lifetime over a day from any source (a token store included) with SendfactTokenResponseError', async () => {
    for (const lifetimeMs of [86_400_001, 1e16]) {
      const { cycle, source } = setup({ maxAttempts: 1 });
      const waiting = track(cycle.token());
      await flush();
      source.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs });
      await flush();
      expect(waiting.error).toBeInstanceOf(SendfactTokenResponseError);
      expect(cycle.state().status).toBe('none');
    }
  });

  it('accepts a lifetime of exactly a day and reports valid dates for it', async () => {
    const { cycle, source } = setup();
    const waiting = track(cycle.token());
    await flush();
    source.succeed(86_400_000);
    await flush();
    expect(waiting.value).toBeDefined();
    const state = cycle.state();
    for (const date of [state.obtainedAt, state.refreshAt, state.expiresAt])
      expect(Number.isFinite(date!.getTime())).toBe(true);
  });

  it('ignores a grant start that is in the future or not a number: the token lives from the request', async () => {
    for (const obtainedAt of [Number.NaN, 1e15]) {
      const { cycle, source, clock } = setup();
      const waiting = track(cycle.token());
      await flush();
      source.pending.shift()!.resolve({ accessToken: 'x', lifetimeMs: 120_000, obtainedAt });
      await flush();
      expect(waiting.value).toBe('x');
      expect(cycle.state().expiresAt!.getTime()).toBeLessThanOrEqual(clock.wallNow() + 120_000);
    }
  });
});
