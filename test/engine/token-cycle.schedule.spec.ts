import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  type RefreshPolicy,
} from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { flush } from '../support/fake-clock.js';
import { cycleOnKeepAliveClock } from './keep-alive-clock.js';

// What a caller gets of Sendfact's 120 s token under the default policy: served alone for 90 s, served while
// one refresh runs behind until 108 s, never handed out from 108 s. `at(s)` is s seconds into its life.

/** A cycle holding a 120 s token obtained (and requested) at `at(0)`. */
async function holding(policy: Partial<RefreshPolicy> = {}) {
  const { clock, source, cycle } = cycleOnKeepAliveClock(policy);
  const start = clock.now();
  const first = cycle.token();
  await flush();
  const token = source.succeed(120_000);
  expect(await first).toBe(token);
  /** Moves the clock to `seconds` into the token's life. */
  const to = (seconds: number) => clock.advance(start + seconds * 1_000 - clock.now());
  return { clock, source, cycle, token, to };
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

const unavailable = (retryable: boolean, retryAfterMs?: number) =>
  new SendfactTokenRequestError('HTTP 503', {
    status: 503,
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('what a caller gets of a 120 s token under the default policy', () => {
  it('gets it for its first 90 s without a refresh', async () => {
    const { cycle, source, token, to } = await holding();
    expect(cycle.current()?.value).toBe(token);
    await to(89.999);
    expect(cycle.current()?.value).toBe(token);
    expect(await cycle.token()).toBe(token);
    expect(source.calls).toBe(1);
    expect(cycle.state()).toMatchObject({ status: 'valid', refreshing: false });
  });

  it('gets it from 90 s to 108 s while one refresh starts behind its back', async () => {
    for (const seconds of [90, 107.999]) {
      const { cycle, source, token, to } = await holding();
      await to(seconds);
      expect(cycle.current()?.value).toBe(token);
      expect(source.calls).toBe(2);
      expect(source.requests[1]).toMatchObject({ stale: token });
      expect(cycle.state()).toMatchObject({ status: 'refresh-due', refreshing: true });
    }
  });

  it('gets it without a second refresh while one is under way', async () => {
    const { cycle, source, token, to } = await holding();
    await to(100);
    for (let i = 0; i < 20; i++) expect(cycle.current()?.value).toBe(token);
    await to(105);
    expect(await cycle.token()).toBe(token);
    expect(source.calls).toBe(2);
  });

  it('keeps getting it, without a refresh, while a back-off holds refreshes back', async () => {
    const { cycle, source, token, to, clock } = await holding();
    await to(100);
    cycle.current();
    await flush();
    // Not retryable: no retry timer, so only a caller's look can start the next refresh.
    source.fail(unavailable(false));
    await flush();
    await clock.advance(187.4); // the back-off: 250 ms base, equal jitter at 0.5
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(2);
    await clock.advance(0.1);
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(3);
  });

  it("keeps getting it, without a refresh, while the server's Retry-After holds refreshes back", async () => {
    const { cycle, source, token, to } = await holding();
    await to(100);
    cycle.current();
    await flush();
    source.fail(unavailable(false, 1_000));
    await flush();
    await to(100.999);
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(2);
    await to(101);
    expect(cycle.current()?.value).toBe(token);
    expect(source.calls).toBe(3);
  });

  it('waits from 108 s, for a token request sent at once', async () => {
    const { cycle, source, to } = await holding();
    await to(108);
    expect(cycle.current()).toBeUndefined();
    expect(source.calls).toBe(1);
    const waiting = track(cycle.token());
    await flush();
    expect(waiting.settled).toBe(false);
    expect(source.calls).toBe(2);
  });

  it('waits from 108 s for a token request sent once the Retry-After has run out', async () => {
    const { cycle, source, to } = await holding();
    await to(100);
    cycle.current();
    await flush();
    // Retry-After until 110 s: past the token's last usable moment, so no background retry is planned.
    source.fail(unavailable(true, 10_000));
    await flush();
    await to(108);
    const waiting = track(cycle.token());
    await to(109.999);
    expect(source.calls).toBe(2);
    await to(110);
    expect(source.calls).toBe(3);
    const fresh = source.succeed();
    await flush();
    expect(waiting.value).toBe(fresh);
  });

  it('fails fast with the cooldown error while it runs, and only when no token serves', async () => {
    const { cycle, source, token, to } = await holding();
    // A forced refresh refused for its credentials: a cooldown of 5 s, yet the held token still serves.
    await to(50);
    const forced = track(cycle.refresh());
    await flush();
    const error = new SendfactCredentialsError(401);
    source.fail(error);
    await flush();
    expect(forced.error).toBe(error);
    expect(await cycle.token()).toBe(token);

    // Past the safety margin, a caller's token request refused for its credentials: callers fail fast.
    await to(110);
    const waiting = track(cycle.token());
    await flush();
    source.fail(error);
    await flush();
    expect(waiting.error).toBe(error);
    await to(114.999);
    await expect(cycle.token()).rejects.toBe(error);
    expect(source.calls).toBe(3);
    await to(115);
    void cycle.token().catch(() => {});
    await flush();
    expect(source.calls).toBe(4);
  });
});
