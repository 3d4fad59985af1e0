import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  type SendfactAuthModuleOptions,
  type SendfactTokenEvent,
} from 'nestjs-sendfact-auth';
import type { SendfactStandInFault, SendfactStandInOptions } from 'nestjs-sendfact-auth/testing';
import {
  type FaultApp,
  INVOICE,
  SECRET_PASSWORD,
  SecretsWitness,
  outcome,
  startFaultApp,
  until,
  useWitness,
} from '../support/fault-harness.js';

const witness = new SecretsWitness();
let t: FaultApp | undefined;
let failures: Extract<SendfactTokenEvent, { type: 'refresh-failed' }>[] = [];

async function start(
  options: SendfactAuthModuleOptions = {},
  standIn: SendfactStandInOptions = {},
): Promise<FaultApp> {
  t = await startFaultApp(witness, options, standIn);
  failures = [];
  t.auth.events$.subscribe((event) => {
    if (event.type === 'refresh-failed') failures.push(event);
  });
  return t;
}

/** The fault is over: a new token is had and an API call made with it succeeds. */
async function expectHealthy(app: FaultApp): Promise<void> {
  app.standIn.clearFaults();
  await app.auth.refreshAccessToken();
  const response = await firstValueFrom(app.http.post('/api/cpe/sign', INVOICE));
  expect(response.status).toBe(200);
}

/** A caller's `getAccessToken()` while the next `count` token requests misbehave as `fault`. */
async function tokenDuring(fault: SendfactStandInFault, count = 1, options = {}, standIn = {}) {
  const app = await start(options, standIn);
  app.standIn.failNextTokenRequests(count, fault);
  return { app, result: await outcome(witness, app.auth.getAccessToken()) };
}

useWitness(witness, async () => {
  await t?.close();
  t = undefined;
});

describe('token endpoint faults', () => {
  describe('transient HTTP statuses', () => {
    for (const status of [500, 502, 503, 504, 408]) {
      it(`recovers from one HTTP ${status} transparently with a second token request`, async () => {
        const { app, result } = await tokenDuring({ type: 'status', status });
        expect(result.ok).toBe(true);
        expect(app.tokenRequests()).toBe(2);
        expect(failures).toHaveLength(1);
        expect(failures[0]!.error).toBeInstanceOf(SendfactTokenRequestError);
        expect((failures[0]!.error as SendfactTokenRequestError).status).toBe(status);
        await expectHealthy(app);
      });
    }

    it('fails with a retryable SendfactTokenRequestError after exactly maxAttempts (3) token requests when 503 persists', async () => {
      const { app, result } = await tokenDuring({ type: 'status', status: 503 }, 10);
      expect(result.ok).toBe(false);
      const error = (result as { error: SendfactTokenRequestError }).error;
      expect(error).toBeInstanceOf(SendfactTokenRequestError);
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(503);
      expect(error.attempts).toBe(3);
      expect(app.tokenRequests()).toBe(3);
      await expectHealthy(app);
    });

    it('fails at once with a non-retryable SendfactTokenRequestError after one token request on HTTP 404 (wrong base URL)', async () => {
      const { app, result } = await tokenDuring({ type: 'status', status: 404 });
      expect(result.ok).toBe(false);
      const error = (result as { error: SendfactTokenRequestError }).error;
      expect(error).toBeInstanceOf(SendfactTokenRequestError);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/base URL/);
      expect(app.tokenRequests()).toBe(1);
      await expectHealthy(app);
    });
  });

  describe('429 Too Many Requests', () => {
    it('waits out a 429 with Retry-After in seconds (1 s) and recovers with a second token request', async () => {
      const { app, result } = await tokenDuring({
        type: 'status',
        status: 429,
        headers: { 'retry-after': '1' },
      });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      expect((failures[0]!.error as SendfactTokenRequestError).retryAfterMs).toBe(1000);
      expect(failures[0]!.retryInMs).toBeGreaterThanOrEqual(1000);
      await expectHealthy(app);
    });

    it('waits out a 429 with Retry-After as an HTTP date (~3 s ahead) and recovers with a second token request', async () => {
      const { app, result } = await tokenDuring({
        type: 'status',
        status: 429,
        // Whole seconds: at least 2 s of it are left however late the answer is read.
        headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() },
      });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      const retryAfterMs = (failures[0]!.error as SendfactTokenRequestError).retryAfterMs!;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(3_000);
      await expectHealthy(app);
    });

    it('fails fast, without a second token request, on a 429 whose Retry-After (1 h) exceeds maxRetryAfterMs', async () => {
      const { app, result } = await tokenDuring({
        type: 'status',
        status: 429,
        headers: { 'retry-after': '3600' },
      });
      expect(result.ok).toBe(false);
      const error = (result as { error: SendfactTokenRequestError }).error;
      expect(error).toBeInstanceOf(SendfactTokenRequestError);
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(3_600_000);
      const again = await outcome(witness, app.auth.getAccessToken());
      expect(again.ok).toBe(false);
      expect(app.tokenRequests()).toBe(1);
    });
  });

  describe('network faults', () => {
    it('recovers from a connection reset before the headers with a second token request', async () => {
      const { app, result } = await tokenDuring({ type: 'reset-before-headers' });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      expect(failures[0]!.error).toBeInstanceOf(SendfactTokenRequestError);
      await expectHealthy(app);
    });

    it('recovers from a connection reset after the headers (half a body) with a second token request', async () => {
      const { app, result } = await tokenDuring({ type: 'reset-after-headers' });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      expect(failures[0]!.error).toBeInstanceOf(SendfactTokenRequestError);
      await expectHealthy(app);
    });

    // 2 s, not less: the timeout is per attempt, and the recovering second attempt must fit in it on a
    // starved machine (the hang and the ~25 s trickle never do).
    it('abandons a token request that hangs past SENDFACT_TIMEOUT_MS (2 s) and recovers with a second one', async () => {
      const { app, result } = await tokenDuring({ type: 'hang' }, 1, { timeoutMs: 2_000 });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      expect(failures[0]!.error.message).toMatch(/timed out after 2000 ms/);
      await expectHealthy(app);
    });

    it('abandons a body that trickles past SENDFACT_TIMEOUT_MS (2 s) and recovers with a second token request', async () => {
      const { app, result } = await tokenDuring({ type: 'trickle', intervalMs: 50 }, 1, {
        timeoutMs: 2_000,
      });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(2);
      expect(failures[0]!.error.message).toMatch(/timed out after 2000 ms/);
      await expectHealthy(app);
    });

    it('accepts a body that trickles within SENDFACT_TIMEOUT_MS with a single token request', async () => {
      const { app, result } = await tokenDuring({ type: 'trickle', intervalMs: 1 }, 1, {
        timeoutMs: 20_000,
      });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(1);
      expect(failures).toHaveLength(0);
      await expectHealthy(app);
    });
  });

  describe('unusable 200 answers', () => {
    const unusable: [string, string, RegExp][] = [
      ['HTML', '<!doctype html><html><body>Service Unavailable</body></html>', /HTML/],
      ['{}', '{}', /access_token is missing/],
      ['a non-string access_token', '{"access_token":12345,"expires_in":"120"}', /not a string/],
      ['expires_in "abc"', '{"access_token":"abc.def.ghi","expires_in":"abc"}', /expires_in/],
      ['expires_in "0"', '{"access_token":"abc.def.ghi","expires_in":"0"}', /zero or negative/],
      ['expires_in "-5"', '{"access_token":"abc.def.ghi","expires_in":"-5"}', /zero or negative/],
      ['expires_in "1e309"', '{"access_token":"abc.def.ghi","expires_in":"1e309"}', /not finite/],
      ['an empty body', '', /empty/],
    ];
    for (const [what, body, message] of unusable) {
      it(`fails with SendfactTokenResponseError after one token request on 200 with ${what}`, async () => {
        const { app, result } = await tokenDuring({ type: 'body', body });
        expect(result.ok).toBe(false);
        const error = (result as { error: Error }).error;
        expect(error).toBeInstanceOf(SendfactTokenResponseError);
        expect(error.message).toMatch(message);
        expect(app.tokenRequests()).toBe(1);
        await expectHealthy(app);
      });
    }

    it('fails with SendfactTokenResponseError after one token request on a 10 MB body, reading at most 64 KiB', async () => {
      const body = Buffer.alloc(10 * 1024 * 1024, 0x61);
      const { app, result } = await tokenDuring({ type: 'body', body });
      expect(result.ok).toBe(false);
      const error = (result as { error: Error }).error;
      expect(error).toBeInstanceOf(SendfactTokenResponseError);
      expect(error.message).toMatch(/larger than 65536 bytes/);
      expect(app.tokenRequests()).toBe(1);
      await expectHealthy(app);
    });

    it('takes the lifetime from the JWT (exp - iat) when expires_in is missing, with one token request', async () => {
      const app = await start({}, { expiresInFormat: 'omit', tokenLifetimeSeconds: 30 });
      const result = await outcome(witness, app.auth.getAccessToken());
      expect(result.ok).toBe(true);
      expect(app.auth.getTokenState().lifetimeMs).toBe(30_000);
      expect(app.tokenRequests()).toBe(1);
      await expectHealthy(app);
    });

    it('accepts a valid token body served under a wrong content type (text/html) with one token request', async () => {
      const { app, result } = await tokenDuring({ type: 'content-type', contentType: 'text/html' });
      expect(result.ok).toBe(true);
      expect(app.tokenRequests()).toBe(1);
      const response = await firstValueFrom(app.http.post('/api/cpe/sign', INVOICE));
      expect(response.status).toBe(200);
    });
  });

  describe('bad credentials', () => {
    for (const status of [400, 401, 403]) {
      it(`fails with SendfactCredentialsError (${status}) after one token request and holds it for the cooldown without another`, async () => {
        const { app, result } = await tokenDuring({ type: 'status', status });
        expect(result.ok).toBe(false);
        const error = (result as { error: SendfactCredentialsError }).error;
        expect(error).toBeInstanceOf(SendfactCredentialsError);
        expect(error.status).toBe(status);
        const again = await outcome(witness, app.auth.getAccessToken());
        expect(again.ok).toBe(false);
        expect((again as { error: unknown }).error).toBe(error);
        expect(app.tokenRequests()).toBe(1);
        await expectHealthy(app);
      });
    }

    it('fails with SendfactCredentialsError (401) after one token request when the password is really wrong', async () => {
      const app = await start({ password: `${SECRET_PASSWORD}-wrong` });
      const result = await outcome(witness, app.auth.getAccessToken());
      expect(result.ok).toBe(false);
      expect((result as { error: SendfactCredentialsError }).error.status).toBe(401);
      expect(app.tokenRequests()).toBe(1);
      expect(app.standIn.stats.tokenRequestsRejected).toBe(1);
    });
  });

  describe('while a valid token is held', () => {
    it('keeps serving the held token while a background refresh fails with 503, then refreshes on the retry', async () => {
      // Due after 0.5 s, the safety margin 54 s away: 'refresh-due' lasts far longer than any stall.
      const app = await start(
        { refresh: { refreshAheadRatio: 0.5 / 60 } },
        { tokenLifetimeSeconds: 60 },
      );
      const first = await app.auth.getAccessToken();
      app.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
      // Past the refresh point the held token is still handed out while a refresh runs behind.
      await until(() => app.auth.getTokenState().status === 'refresh-due', 'the refresh is due');
      expect(app.auth.peekAccessToken()).toBe(first);
      await until(
        () => app.tokenRequests() >= 3 && !app.auth.getTokenState().refreshing,
        'the retry',
      );
      expect(failures).toHaveLength(1);
      expect(failures[0]!.servingCachedToken).toBe(true);
      expect(failures[0]!.background).toBe(true);
      expect(app.tokenRequests()).toBe(3);
      expect(app.auth.peekAccessToken()).not.toBe(first);
      const response = await firstValueFrom(app.http.post('/api/cpe/sign', INVOICE));
      expect(response.status).toBe(200);
    });
  });
});

describe('secrets, after every token endpoint fault above', () => {
  it('leaks neither the password nor any full token in log lines, errors, events or inspected options', () => {
    // The scan saw real material: a password it must not find, tokens it must not find, lines and errors.
    expect(witness.tokens.size).toBeGreaterThan(20);
    expect(witness.logLines).toBeGreaterThan(20);
    expect(witness.errors).toBeGreaterThan(20);
    expect(witness.leaks()).toEqual([]);
  });
});
