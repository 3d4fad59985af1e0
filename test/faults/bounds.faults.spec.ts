import { AxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REFRESH_POLICY,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
} from 'nestjs-sendfact-auth';
import {
  type FaultApp,
  INVOICE,
  SecretsWitness,
  outcome,
  startFaultApp,
  useWitness,
} from '../support/fault-harness.js';
import { FakeClock } from '../support/fake-clock.js';

const witness = new SecretsWitness();
let t: FaultApp | undefined;

useWitness(witness, async () => {
  await t?.close();
  t = undefined;
});

describe('bounds on what Sendfact may ask for', () => {
  // The module's time is a fake clock (HTTP stays real): waits and locks are read off it, not off a stopwatch.
  it.each([
    ['a day in seconds', () => '86400'],
    ['a date in the year 9999', () => 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])(
    'locks the account at most maxRetryAfterMs on a 429 whose Retry-After is %s, then serves again',
    async (_, retryAfter) => {
      const clock = new FakeClock();
      t = await startFaultApp(witness, { clock });
      t.standIn.failNextTokenRequests(1, {
        type: 'status',
        status: 429,
        headers: { 'retry-after': retryAfter() },
      });
      const first = await outcome(witness, t.auth.getAccessToken());
      expect(first.ok).toBe(false);
      expect((first as { error: unknown }).error).toBeInstanceOf(SendfactTokenRequestError);
      // Within maxRetryAfterMs: answered from the failure, without a token request.
      expect((await outcome(witness, t.auth.getAccessToken())).ok).toBe(false);
      expect(t.tokenRequests()).toBe(1);
      // Sendfact answers again; past maxRetryAfterMs the account is not locked any more.
      await clock.advance(DEFAULT_REFRESH_POLICY.maxRetryAfterMs);
      expect(await t.auth.getAccessToken()).toMatch(/^ey/);
      expect(t.tokenRequests()).toBe(2);
      const state = t.auth.getTokenState();
      expect(Number.isFinite(state.expiresAt!.getTime())).toBe(true);
    },
  );
});

describe('an API that refuses every fresh token', () => {
  it('costs 2 token requests for 200 app requests, not one each; callers get SendfactTokenRejectedError fast', async () => {
    // A fake clock for the module: the back-off period cannot run out while the 200 requests are made.
    const clock = new FakeClock();
    t = await startFaultApp(witness, { clock });
    // Every API request with a valid token is answered 401 (at most 2 per app request: the try and its replay).
    t.standIn.failNextApiRequests(400, { type: 'status', status: 401 });
    const results = [];
    for (let i = 0; i < 200; i++) {
      results.push(await outcome(witness, firstValueFrom(t.http.post('/api/cpe/sign', INVOICE))));
    }
    const errors = results.map((r) => (r.ok ? undefined : r.error));
    // The first request: its token refused, the replacement fetched for its replay refused too (a 401).
    expect((errors[0] as AxiosError).response?.status).toBe(401);
    // The next: the replacement is refused again, so the API refuses fresh tokens: back off.
    for (const [i, e] of errors.slice(1).entries())
      expect(e, `error #${i + 1}`).toBeInstanceOf(SendfactTokenRejectedError);
    expect(errors[1]).toMatchObject({ code: 'TOKEN_REJECTED', retryable: true });
    expect(t.tokenRequests()).toBe(2);
    // The period over, one more token request, and the back-off again.
    await clock.advance(DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!);
    for (let i = 0; i < 10; i++) {
      await outcome(witness, firstValueFrom(t.http.post('/api/cpe/sign', INVOICE)));
    }
    expect(t.tokenRequests()).toBe(3);
    // And once the API accepts tokens again, after the period, requests go through.
    t.standIn.clearFaults();
    await clock.advance(DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs!);
    const ok = await firstValueFrom(t.http.post('/api/cpe/sign', INVOICE));
    expect(ok.status).toBe(200);
  });

  it('leaks neither the password nor any full token in log lines, errors or inspected options', () => {
    expect(witness.errors).toBeGreaterThan(0);
    expect(witness.leaks()).toEqual([]);
  });
});
