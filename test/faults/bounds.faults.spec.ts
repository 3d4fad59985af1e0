import { AxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  SendfactCpeService,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
} from 'nestjs-sendfact-auth';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
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

describe('a path that refuses every token, and an API that refuses every fresh token', () => {
  const WINDOW = DEFAULT_REFRESH_POLICY.tokenRejectedCooldownMs;

  it('costs 2 token requests for 200 requests to a path that always answers 401: each is sent, and gets its 401', async () => {
    // A fake clock for the module: the window cannot run out while the 200 requests are made.
    const clock = new FakeClock();
    t = await startFaultApp(witness, { clock });
    t.standIn.refuseTokensOn('/api/cpe/sign');
    const results = [];
    for (let i = 0; i < 200; i++) {
      results.push(await outcome(witness, firstValueFrom(t.http.post('/api/cpe/sign', INVOICE))));
    }
    // Every one went to Sendfact and came back with Sendfact's own 401: none failed unsent.
    for (const [i, r] of results.entries())
      expect(r.ok ? 'ok' : (r.error as AxiosError).response?.status, `request #${i}`).toBe(401);
    // The first: its token refused, a fresh one fetched and refused too. The next 199 cost no token request.
    expect(t.tokenRequests()).toBe(2);
    expect(t.standIn.stats.unauthorized.refused).toBe(201);
    // Meanwhile, every other path works with the same token, at no cost.
    expect((await firstValueFrom(t.http.post('/api/cpe/send', INVOICE))).status).toBe(200);
    expect(t.tokenRequests()).toBe(2);
    // The window over, the path costs one token request again, then none for another window.
    await clock.advance(WINDOW);
    for (let i = 0; i < 10; i++)
      await outcome(witness, firstValueFrom(t.http.post('/api/cpe/sign', INVOICE)));
    expect(t.tokenRequests()).toBe(3);
  });

  it('answers SendfactTokenRejectedError in the typed client once two paths refused fresh tokens, after sending each call', async () => {
    const clock = new FakeClock();
    t = await startFaultApp(witness, { clock });
    const cpe = t.app.get(SendfactCpeService);
    // The API refuses every token on the document calls: as a token endpoint of another environment would.
    t.standIn.refuseTokensOn('/api/cpe/');
    const doc = { file_name: '20515809822-01-F001-1', file_content: 'PGludm9pY2Uv' };
    // One path refusing fresh tokens may be a document of another company: a plain 401.
    await expect(cpe.sign(doc)).rejects.toMatchObject({ name: 'SendfactApiError', status: 401 });
    // A second path refusing them too, and none accepted: the API refuses fresh tokens.
    const refused = await cpe.send(doc).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SendfactTokenRejectedError);
    expect(refused).toMatchObject({
      code: 'TOKEN_REJECTED',
      retryable: true,
      retryAfterMs: WINDOW,
    });
    expect(t.tokenRequests()).toBe(3);
    // A stream of distinct paths (a status path per document) that refuse every token: each could be the
    // first after a revocation, so each costs one token request (docs/ARCHITECTURE.md, "What a 401 costs").
    const seen = t.standIn.stats.apiRequests;
    for (let i = 0; i < 20; i++)
      await expect(cpe.status(`20515809822-01-F001-${i}`)).rejects.toBeInstanceOf(
        SendfactTokenRejectedError,
      );
    // Each call was sent twice: with the held token, then with a fresh one.
    expect(t.standIn.stats.apiRequests).toBe(seen + 40);
    expect(t.tokenRequests()).toBe(3 + 20);
  });

  it('leaks neither the password nor any full token in log lines, errors or inspected options', () => {
    expect(witness.errors).toBeGreaterThan(0);
    expect(witness.leaks()).toEqual([]);
  });
});
