import type { RefreshPolicy, TokenGrant } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import type { HeldToken } from '../../lib/interfaces/token-cycle.interface.js';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import { flush } from '../support/fake-clock.js';
import { cycleOnKeepAliveClock } from './keep-alive-clock.js';

// What a 401 from the API costs. The interceptor sends a request with a held token; on a 401 it asks
// `refused(sent, path, after)` what to send it again with (`after`: when the previous attempt's token was first
// refused, undefined on the first attempt), and `replacement()` for that token.

const SEND = 'post /api/cpe/send';
const STATUS = 'get /api/cpe/status';

function setup(policy: Partial<RefreshPolicy> = {}) {
  const { clock, source, cycle } = cycleOnKeepAliveClock(policy);
  /** The token the cycle holds after the source answers the request it makes now with `grant`. */
  const obtain = async (grant: Partial<TokenGrant> = {}): Promise<HeldToken> => {
    const next = track(cycle.next());
    await flush();
    const value = source.succeed(120_000, grant);
    await flush();
    expect(next.value?.value).toBe(value);
    return next.value!;
  };
  /** The token `refused()` says to send the request again with, once the source answers with `grant`. */
  const replace = async (
    sent: HeldToken,
    path: string,
    after: number | undefined,
    grant: Partial<TokenGrant> = {},
  ) => {
    const replacement = cycle.refused(sent, path, after);
    expect(replacement).toBeDefined();
    const next = track(cycle.replacement(replacement!));
    await flush();
    source.succeed(120_000, grant);
    await flush();
    return { held: next.value!, after: replacement!.after };
  };
  /** `path` refuses `sent`, then its replay with a token fresh from the source: the 401 goes back. */
  const refuseFresh = async (sent: HeldToken, path: string) => {
    const { held, after } = await replace(sent, path, undefined);
    expect(cycle.refused(held, path, after)).toBeUndefined();
    return held;
  };
  return { clock, source, cycle, obtain, replace, refuseFresh };
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

describe('TokenCycle, when the API refuses a token', () => {
  it('answers a burst of 50 requests refused with the same token with one token request, and the same new token', async () => {
    const { cycle, source, obtain } = setup();
    const sent = await obtain();
    const replays: { value?: HeldToken }[] = [];
    const refuse = (i: number) => {
      const next = cycle.refused(sent, `get /api/cpe/${i % 5}`, undefined);
      expect(next).toMatchObject({ stale: sent.value, fromEndpoint: false });
      replays.push(track(cycle.replacement(next!)));
    };
    // Half the 401s come back while the token request runs, half once the new token is held.
    for (let i = 0; i < 25; i++) refuse(i);
    await flush();
    expect(source.calls).toBe(2);
    expect(source.requests[1]).toMatchObject({ stale: sent.value, fromEndpoint: false });
    const fresh = source.succeed();
    await flush();
    for (let i = 25; i < 50; i++) refuse(i);
    await flush();
    expect(replays.map((replay) => replay.value?.value)).toEqual(Array(50).fill(fresh));
    expect(source.calls).toBe(2);
    expect(source.refusedTokens).toEqual([sent.value]);
    expect(cycle.current()?.value).toBe(fresh);
  });

  it('sends back the 401 of a path that refused a token fresh from the source, with no token request for tokenRejectedCooldownMs, while another path gets a replacement', async () => {
    const { clock, source, cycle, obtain, replace } = setup({ tokenRejectedCooldownMs: 7_000 });
    const first = await obtain();
    // A revocation: the request is sent again with a token requested after the refusal...
    const { held: fresh, after } = await replace(first, SEND, undefined);
    expect(fresh.requestedAt).toBeGreaterThanOrEqual(after);
    expect(source.calls).toBe(2);
    // ...which that path refuses too: the 401 goes back to the caller.
    expect(cycle.refused(fresh, SEND, after)).toBeUndefined();
    // For 7 s that path's 401s go back at once, costing no token request.
    for (const ms of [0, 1_000, 5_999]) {
      await clock.advance(ms);
      expect(cycle.refused(fresh, SEND, undefined)).toBeUndefined();
      expect(cycle.refused(first, SEND, undefined)).toBeUndefined();
    }
    await flush();
    expect(source.calls).toBe(2);
    // The token still serves the other paths: the one that refused it did not drop it.
    expect(cycle.current()?.value).toBe(fresh.value);
    // Another path that gets a 401 with it still gets a replacement.
    const other = await replace(fresh, STATUS, undefined);
    expect(other.held.value).not.toBe(fresh.value);
    expect(source.calls).toBe(3);
  });

  it('costs one token request again once the window has passed', async () => {
    const { clock, source, cycle, obtain, refuseFresh } = setup();
    const cooldown = DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!;
    const held = await refuseFresh(await obtain(), SEND);
    await clock.advance(cooldown - 1);
    expect(cycle.refused(held, SEND, undefined)).toBeUndefined();
    expect(source.calls).toBe(2);
    await clock.advance(1);
    const next = cycle.refused(held, SEND, undefined);
    expect(next).toMatchObject({ stale: held.value, fromEndpoint: false });
    const replaced = track(cycle.replacement(next!));
    await flush();
    expect(source.calls).toBe(3);
    const value = source.succeed();
    await flush();
    expect(replaced.value?.value).toBe(value);
    // Refused again when fresh: one token request for the next window, no more.
    expect(cycle.refused(replaced.value!, SEND, next!.after)).toBeUndefined();
    expect(cycle.refused(replaced.value!, SEND, undefined)).toBeUndefined();
    await flush();
    expect(source.calls).toBe(3);
  });

  it('replaces a token revoked after another one, however soon: no lockout of a path that accepts tokens', async () => {
    const { source, cycle, obtain, replace } = setup();
    let held = await obtain();
    // No time passes: each token is revoked right after its replay was accepted.
    for (let round = 1; round <= 5; round++) {
      // A new request, sent with the held token, is refused: a revocation.
      const { held: next } = await replace(held, SEND, undefined);
      expect(next.value).not.toBe(held.value);
      expect(source.calls).toBe(round + 1);
      // Its replay is accepted.
      cycle.accepted();
      held = next;
    }
    expect(source.refusedTokens).toHaveLength(5);
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
  });

  it('replaces a token from a shared store that is refused again with one the source fetches from the endpoint', async () => {
    const { source, cycle, obtain, replace } = setup();
    const first = await obtain({ shared: true });
    expect(first.shared).toBe(true);
    const second = await replace(first, SEND, undefined, { shared: true });
    expect(source.requests[1]).toMatchObject({ stale: first.value, fromEndpoint: false });
    expect(second.held.shared).toBe(true);
    // The replay with another stored token is refused too: that proves nothing of the path, so the next
    // replay needs a token the endpoint issues from now on.
    const next = cycle.refused(second.held, SEND, second.after);
    expect(next).toMatchObject({ stale: second.held.value, fromEndpoint: true });
    const third = track(cycle.replacement(next!));
    await flush();
    expect(source.requests[2]).toMatchObject({ stale: second.held.value, fromEndpoint: true });
    const value = source.succeed();
    await flush();
    expect(third.value).toMatchObject({ value, shared: false });
    // Refused as well: now the path refuses fresh tokens, and the 401 goes back.
    expect(cycle.refused(third.value!, SEND, next!.after)).toBeUndefined();
    expect(source.calls).toBe(3);
  });

  it('does not take a token from a store request under way when only one from the endpoint will do', async () => {
    const { clock, source, cycle, obtain, replace } = setup();
    const first = await obtain({ shared: true });
    const second = await replace(first, SEND, undefined, { shared: true });
    await clock.advance(91_000);
    cycle.current(); // a background refresh, which may take a stored token
    await flush();
    expect(source.requests[2]).toMatchObject({ fromEndpoint: false });
    const next = cycle.refused(second.held, SEND, second.after);
    const replay = track(cycle.replacement(next!));
    await flush();
    source.succeed(120_000, { shared: true });
    await flush();
    expect(replay.settled).toBe(false);
    expect(source.requests[3]).toMatchObject({ fromEndpoint: true });
    const value = source.succeed();
    await flush();
    expect(replay.value).toMatchObject({ value, shared: false });
  });

  it('says the API refuses every fresh token only once two paths refused them with no request accepted since', async () => {
    const { clock, cycle, obtain, refuseFresh } = setup();
    const cooldown = DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!;
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
    const fresh = await refuseFresh(await obtain(), SEND);
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
    // The same path again is not a second path.
    expect(cycle.refused(fresh, SEND, fresh.requestedAt)).toBeUndefined();
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
    await clock.advance(1_000);
    await refuseFresh(fresh, STATUS);
    // Until the later of the two windows ends.
    expect(cycle.refusedEverywhereFor()).toBe(cooldown);
    await clock.advance(2_000);
    expect(cycle.refusedEverywhereFor()).toBe(cooldown - 2_000);
    cycle.accepted();
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
  });

  it('does not say so when a request was accepted between the two refusals, nor once the windows have passed', async () => {
    const { clock, cycle, obtain, refuseFresh } = setup();
    const fresh = await refuseFresh(await obtain(), SEND);
    cycle.accepted();
    const other = await refuseFresh(fresh, STATUS);
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
    await refuseFresh(other, 'get /api/cpe/pdf');
    expect(cycle.refusedEverywhereFor()).toBe(DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs);
    await clock.advance(DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!);
    expect(cycle.refusedEverywhereFor()).toBeUndefined();
  });
});
