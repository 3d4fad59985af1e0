import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  SendfactAuthError,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactTokenResponseError,
  type SendfactAuthModuleOptions,
} from 'nestjs-sendfact-auth';
import { SendfactHealthIndicator } from 'nestjs-sendfact-auth/health';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';

interface HealthApp {
  app: INestApplicationContext;
  auth: SendfactAuthService;
  indicator: SendfactHealthIndicator;
  standIn: SendfactStandIn;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let t: HealthApp | undefined;
afterEach(async () => {
  await t?.app.close();
  await t?.standIn.close();
  t = undefined;
});

/** An app as a user would write it: TerminusModule, the auth module, the indicator among its providers. */
async function start(options: SendfactAuthModuleOptions = {}): Promise<HealthApp> {
  const standIn = await startSendfactStandIn();
  @Module({
    imports: [
      TerminusModule,
      SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url, ...options }),
    ],
    providers: [SendfactHealthIndicator],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  return {
    app,
    standIn,
    auth: app.get(SendfactAuthService),
    indicator: app.get(SendfactHealthIndicator),
  };
}

describe('SendfactHealthIndicator', () => {
  it('is up without a token request while a valid token is held, and shows when it expires', async () => {
    t = await start();
    const token = await t.auth.getAccessToken();
    const result = await t.indicator.isHealthy('sendfact');
    expect(result).toEqual({
      sendfact: {
        status: 'up',
        accountId: 'default',
        token: 'valid',
        usable: true,
        expiresAt: expect.stringMatching(ISO),
        refreshAt: expect.stringMatching(ISO),
        refreshing: false,
        consecutiveFailures: 0,
      },
    });
    // The state maps monotonic time to wall time on each read: equal to the millisecond or so.
    const expiresAt = Date.parse(result.sendfact.expiresAt as string);
    expect(Math.abs(expiresAt - t.auth.getTokenExpiry()!.getTime())).toBeLessThanOrEqual(2);
    expect(t.standIn.stats.tokenRequests).toBe(1);
    expect(JSON.stringify(result)).not.toContain(token);
    expect(JSON.stringify(result)).not.toContain(t.auth.getTokenState().fingerprint!);
  });

  it('is up before the first call, having asked Sendfact nothing', async () => {
    t = await start();
    expect(await t.indicator.isHealthy()).toMatchObject({
      sendfact: { status: 'up', token: 'none', usable: false, consecutiveFailures: 0 },
    });
    expect(t.standIn.stats.tokenRequests).toBe(0);
  });

  it('is down when no token is held and the last token request failed, and does not retry it', async () => {
    t = await start({ password: 'wrong-password' });
    await expect(t.auth.getAccessToken()).rejects.toThrow('rejected the credentials');
    for (let i = 0; i < 3; i++) {
      expect(await t.indicator.isHealthy('sendfact')).toMatchObject({
        sendfact: {
          status: 'down',
          token: 'none',
          consecutiveFailures: 1,
          lastError: {
            name: 'SendfactCredentialsError',
            message: expect.stringContaining('HTTP 401'),
          },
        },
      });
    }
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it('stays up on a failed background refresh while the token serves, and goes down once it is spent', async () => {
    const clock = new FakeClock();
    t = await start({ clock });
    const refreshFailed = firstValueFrom(
      t.auth.events$.pipe(filter((e) => e.type === 'refresh-failed')),
    );
    await t.auth.getAccessToken(); // 120 s: refresh from 90 s, unusable from 108 s
    await clock.advance(91_000);
    t.standIn.failNextTokenRequests(1, { type: 'status', status: 401 });
    t.auth.peekAccessToken(); // starts the background refresh, which fails
    await refreshFailed;
    expect(await t.indicator.isHealthy()).toMatchObject({
      sendfact: {
        status: 'up',
        token: 'refresh-due',
        usable: true,
        consecutiveFailures: 1,
        lastError: { name: 'SendfactCredentialsError' },
      },
    });
    await clock.advance(20_000);
    expect(await t.indicator.isHealthy()).toMatchObject({
      sendfact: { status: 'down', token: 'expired', usable: false, consecutiveFailures: 1 },
    });
    expect(t.standIn.stats.tokenRequests).toBe(2);
  });

  it('with requestToken, gets a token when none is usable and reports on that', async () => {
    t = await start();
    expect(await t.indicator.isHealthy('sendfact', { requestToken: true })).toMatchObject({
      sendfact: { status: 'up', token: 'valid', usable: true },
    });
    await t.indicator.isHealthy('sendfact', { requestToken: true });
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it('with requestToken, is down when no token comes within timeoutMs', async () => {
    t = await start();
    t.standIn.failNextTokenRequests(1, { type: 'hang' });
    expect(
      await t.indicator.isHealthy('sendfact', { requestToken: true, timeoutMs: 100 }),
    ).toMatchObject({
      sendfact: {
        status: 'down',
        token: 'none',
        refreshing: true,
        message: 'no Sendfact token within 100 ms',
      },
    });
  });

  it('is down, saying why, when the service cannot report on the account', async () => {
    t = await start();
    // Whether an account is known is the service's business; what the indicator owes is to say so.
    vi.spyOn(t.auth, 'getTokenState').mockImplementation(() => {
      throw new SendfactAuthError('Unknown Sendfact account "billing"', { accountId: 'billing' });
    });
    expect(await t.indicator.isHealthy('billing', { accountId: 'billing' })).toEqual({
      billing: {
        status: 'down',
        accountId: 'billing',
        message: 'Unknown Sendfact account "billing"',
      },
    });
  });

  it('is down, not a 500, when the token endpoint claims a lifetime of 1e13 s: the token is refused as unusable', async () => {
    t = await start();
    t.standIn.tokenLifetimeSeconds = 1e13;
    await expect(t.auth.getAccessToken()).rejects.toBeInstanceOf(SendfactTokenResponseError);
    const state = t.auth.getTokenState();
    expect(state.expiresAt).toBeUndefined();
    const health = t.app.get(HealthCheckService);
    const failure = await health.check([() => t!.indicator.isHealthy('sendfact')]).then(
      () => undefined,
      (e: { getStatus(): number; getResponse(): unknown }) => e,
    );
    expect(failure?.getStatus()).toBe(503);
    expect(failure?.getResponse()).toMatchObject({
      error: {
        sendfact: {
          status: 'down',
          token: 'none',
          lastError: {
            name: 'SendfactTokenResponseError',
            message: expect.stringContaining('more than a day'),
          },
        },
      },
    });
  });

  it('answers up or down and never throws, whatever the service reports: invalid dates, odd throws', async () => {
    t = await start();
    const invalid = new Date(Number.NaN);
    const state = vi.spyOn(t.auth, 'getTokenState').mockReturnValue({
      accountId: 'default',
      status: 'valid',
      usable: true,
      obtainedAt: invalid,
      refreshAt: invalid,
      expiresAt: invalid,
      refreshing: false,
      consecutiveFailures: 0,
      lastError: { name: 'X', message: 'x', at: invalid },
    });
    const up = await t.indicator.isHealthy();
    expect(up.sendfact).toMatchObject({ status: 'up', token: 'valid' });
    expect(up.sendfact).not.toHaveProperty('expiresAt');
    state.mockImplementation(() => {
      throw 'not even an Error';
    });
    expect(await t.indicator.isHealthy()).toMatchObject({
      sendfact: { status: 'down', message: 'not even an Error' },
    });
    state.mockRestore();
    vi.spyOn(t.auth, 'getAccessToken').mockRejectedValue(new RangeError('Invalid time value'));
    expect(await t.indicator.isHealthy('sendfact', { requestToken: true })).toMatchObject({
      sendfact: { status: 'down', message: 'Invalid time value' },
    });
  });

  it("fails terminus's health check (503) when down, and passes it when up", async () => {
    t = await start({ password: 'wrong-password' });
    const health = t.app.get(HealthCheckService);
    const check = () => health.check([() => t!.indicator.isHealthy('sendfact')]);
    expect(await check()).toMatchObject({ status: 'ok', info: { sendfact: { status: 'up' } } });
    await t.auth.getAccessToken().catch(() => undefined);
    const failure = await check().then(
      () => undefined,
      (e: { getStatus(): number; getResponse(): unknown }) => e,
    );
    expect(failure?.getStatus()).toBe(503);
    expect(failure?.getResponse()).toMatchObject({
      status: 'error',
      error: { sendfact: { status: 'down', lastError: { name: 'SendfactCredentialsError' } } },
    });
  });
});
