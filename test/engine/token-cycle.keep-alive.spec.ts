import { SendfactAbortedError, SendfactTokenRequestError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { flush } from '../support/fake-clock.js';
import { cycleOnKeepAliveClock } from './keep-alive-clock.js';

const setup = cycleOnKeepAliveClock;

/** A 503 asking for `retryAfterMs`: a caller waits it out (it is under `maxRetryAfterMs`). */
const unavailable = (retryAfterMs: number) =>
  new SendfactTokenRequestError('HTTP 503', { status: 503, retryable: true, retryAfterMs });

describe('the sleeps of a token request keep the process alive only while a caller waits', () => {
  it('lets the process go once the only caller gives up during a backoff, and holds it again when another joins', async () => {
    const { clock, source, cycle } = setup();
    const controller = new AbortController();
    const first = cycle.token(controller.signal).catch((error: unknown) => error);
    await flush();
    source.fail(unavailable(5_000));
    await clock.advance(1_000);
    // A caller waits on the backoff: it must hold a script open.
    expect(clock.armed).toEqual([{ ms: 5_000, keepAlive: true }]);

    controller.abort();
    expect(await first).toBeInstanceOf(SendfactAbortedError);
    // The backoff goes on for the callers to come, but holds nobody's script open for 4 more seconds.
    expect(clock.armed).toEqual([{ ms: 4_000, keepAlive: false }]);

    await clock.advance(1_000);
    const second = cycle.token();
    expect(clock.armed).toEqual([{ ms: 3_000, keepAlive: true }]);
    await clock.advance(3_000);
    expect(source.calls).toBe(2); // the retry, on time
    const token = source.succeed();
    expect(await second).toBe(token);
    expect(clock.armed).toEqual([]);
  });

  it("lets the process go once the only caller gives up while the server's Retry-After holds the request back", async () => {
    const { clock, source, cycle } = setup({ maxAttempts: 1 });
    const failed = cycle.token().catch((error: unknown) => error);
    await flush();
    source.fail(unavailable(5_000));
    expect(await failed).toBeInstanceOf(SendfactTokenRequestError);

    // A forced refresh within the Retry-After sleeps until it ends before asking.
    const controller = new AbortController();
    const refresh = cycle.refresh(controller.signal).catch((error: unknown) => error);
    await flush();
    expect(clock.armed).toEqual([{ ms: 5_000, keepAlive: true }]);
    controller.abort();
    expect(await refresh).toBeInstanceOf(SendfactAbortedError);
    expect(clock.armed).toEqual([{ ms: 5_000, keepAlive: false }]);
  });

  it('keeps the process alive through every backoff for a caller without a signal, who never gives up', async () => {
    const { clock, source, cycle } = setup();
    const token = cycle.token();
    await flush();
    source.fail(unavailable(2_000));
    await flush();
    expect(clock.armed).toEqual([{ ms: 2_000, keepAlive: true }]);
    await clock.advance(2_000);
    source.fail(unavailable(3_000));
    await flush();
    expect(clock.armed).toEqual([{ ms: 3_000, keepAlive: true }]);
    await clock.advance(3_000);
    const issued = source.succeed();
    expect(await token).toBe(issued);
  });

  it('tells the source whether a caller waits on its token request: nobody during a background refresh, then whoever joins it', async () => {
    const { clock, source, cycle } = setup();
    const first = cycle.token();
    const { keepAlive } = source.requests[0]!;
    expect(keepAlive.active).toBe(true);
    await flush();
    source.succeed();
    await first;
    expect(keepAlive.active).toBe(false);

    await clock.advance(91_000); // past the refresh point (90 s of 120 s)
    cycle.current();
    await flush();
    expect(cycle.refreshing).toBe(true);
    const background = source.requests[1]!.keepAlive;
    expect(background.active).toBe(false);

    const changes: boolean[] = [];
    background.onChange(() => changes.push(background.active));
    const joined = cycle.refresh();
    const token = source.succeed();
    expect(await joined).toBe(token);
    expect(changes).toEqual([true, false]);
  });
});
