import { inspect } from 'node:util';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  type SendfactTokenEvent,
} from 'nestjs-sendfact-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const fastRetries = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SendfactAuthService against the stand-in', () => {
  it('gets a real JWT and reads its expiry from expires_in sent as a string', async () => {
    t = await startTestApp();
    const before = Date.now();
    const token = await t.auth.getAccessToken();
    expect(t.standIn.checkToken(token).outcome).toBe('ok');
    const expiry = t.auth.getTokenExpiry()!.getTime();
    // Counted from when the request was sent: between (before + 120 s) and (now + 120 s).
    expect(expiry).toBeGreaterThanOrEqual(before + 120_000 - 5);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 120_000 + 5);
    expect(await t.auth.getAccessToken()).toBe(token);
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it('makes one token request for 500 concurrent callers', async () => {
    t = await startTestApp();
    const tokens = await Promise.all(Array.from({ length: 500 }, () => t!.auth.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it('refreshes ahead in the background: callers keep getting the held token while one refresh runs', async () => {
    // Refresh due after 0.6 s, the margin 54 s away: a starved machine cannot reach it during the test.
    t = await startTestApp({ refresh: { refreshAheadRatio: 0.01 } }, { tokenLifetimeSeconds: 60 });
    const old = await t.auth.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 700)); // past 1 % of 60 s (timers never fire early)
    const now = await Promise.all(Array.from({ length: 20 }, () => t!.auth.getAccessToken()));
    expect(new Set(now)).toEqual(new Set([old]));
    await until(() => t!.standIn.stats.tokensIssued === 2);
    await until(() => t!.auth.peekAccessToken() !== old);
    expect(t.standIn.stats.tokenRequests).toBe(2);
    expect(t.auth.getStats()).toMatchObject({
      tokenRequests: 2,
      refreshes: 2,
      backgroundRefreshes: 1,
    });
  });

  it('emits token events on events$, none of them carrying the token', async () => {
    t = await startTestApp();
    const events: SendfactTokenEvent[] = [];
    t.auth.events$.subscribe((e) => events.push(e));
    const token = await t.auth.getAccessToken();
    t.auth.invalidateAccessToken();
    await t.auth.getAccessToken();
    expect(events.map((e) => e.type)).toEqual([
      'token-requested',
      'token-refreshed',
      'token-invalidated',
      'token-requested',
      'token-refreshed',
    ]);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('turns 401 from the token endpoint into SendfactCredentialsError, with no retry storm', async () => {
    t = await startTestApp({ password: 'wrong-password' });
    await expect(t.auth.getAccessToken()).rejects.toBeInstanceOf(SendfactCredentialsError);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        expect(t!.auth.getAccessToken()).rejects.toMatchObject({ status: 401 }),
      ),
    );
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it.each([400, 403])(
    'turns %i from the token endpoint into SendfactCredentialsError',
    async (status) => {
      t = await startTestApp();
      t.standIn.failNextTokenRequests(1, { type: 'status', status });
      await expect(t.auth.getAccessToken()).rejects.toMatchObject({
        name: 'SendfactCredentialsError',
        status,
      });
      expect(t.standIn.stats.tokenRequests).toBe(1);
    },
  );

  it('retries 503 and 502 and then succeeds', async () => {
    t = await startTestApp({ refresh: fastRetries });
    t.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    t.standIn.failNextTokenRequests(1, { type: 'status', status: 502 });
    expect(t.standIn.checkToken(await t.auth.getAccessToken()).outcome).toBe('ok');
    expect(t.standIn.stats.tokenRequests).toBe(3);
  });

  it('gives up after the bounded retries with a SendfactTokenRequestError carrying the status', async () => {
    t = await startTestApp({ refresh: fastRetries });
    t.standIn.failNextTokenRequests(10, { type: 'status', status: 500 });
    const error = await t.auth.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendfactTokenRequestError);
    expect(error).toMatchObject({ status: 500, attempts: 3, retryable: true });
    expect(t.standIn.stats.tokenRequests).toBe(3);
  });

  it('carries the network cause (connection refused) after bounded retries', async () => {
    t = await startTestApp({ baseUrl: 'http://127.0.0.1:9', refresh: fastRetries });
    const error = (await t.auth
      .getAccessToken()
      .catch((e: unknown) => e)) as SendfactTokenRequestError;
    expect(error).toBeInstanceOf(SendfactTokenRequestError);
    expect(error.attempts).toBe(3);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(inspect(error)).not.toContain('password');
  });

  it('times out a hanging token request at timeoutMs', async () => {
    t = await startTestApp({ timeoutMs: 150, refresh: { ...fastRetries, maxAttempts: 1 } });
    t.standIn.failNextTokenRequests(1, { type: 'hang' });
    await expect(t.auth.getAccessToken()).rejects.toThrow(/timed out after 150 ms/);
  });

  it('turns a malformed 200 into SendfactTokenResponseError saying what was wrong', async () => {
    t = await startTestApp();
    t.standIn.failNextTokenRequests(1, {
      type: 'body',
      body: '{"access_token":"x.y.z","expires_in":"abc"}',
    });
    await expect(t.auth.getAccessToken()).rejects.toThrow(SendfactTokenResponseError);
    await expect(t.auth.getAccessToken()).rejects.toThrow(/expires_in is not a number/);
  });

  it('falls back to the JWT exp claim when expires_in is missing', async () => {
    t = await startTestApp({}, { expiresInFormat: 'omit', tokenLifetimeSeconds: 90 });
    await t.auth.getAccessToken();
    expect(t.auth.getTokenState()).toMatchObject({ lifetimeMs: 90_000, status: 'valid' });
  });

  it('accepts expires_in as a number', async () => {
    t = await startTestApp({}, { expiresInFormat: 'number', tokenLifetimeSeconds: 30 });
    await t.auth.getAccessToken();
    expect(t.auth.getTokenState().lifetimeMs).toBe(30_000);
  });

  it('refreshAccessToken() forces a new token; invalidateAccessToken({ token }) ignores a stale one', async () => {
    t = await startTestApp();
    const first = await t.auth.getAccessToken();
    const second = await t.auth.refreshAccessToken();
    expect(second).not.toBe(first);
    expect(t.auth.invalidateAccessToken({ token: first })).toBe(false);
    expect(t.auth.peekAccessToken()).toBe(second);
    expect(t.auth.invalidateAccessToken({ token: second })).toBe(true);
    expect(t.auth.peekAccessToken()).toBeUndefined();
  });

  it('shows no secret in util.inspect of the service', async () => {
    t = await startTestApp();
    const token = await t.auth.getAccessToken();
    const text = inspect(t.auth, { depth: 20, showHidden: true });
    expect(text).not.toContain(token);
    expect(text).not.toContain('stand-in-password');
  });
});
