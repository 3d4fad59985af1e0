import { ConsoleLogger, Logger, type LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  SendfactAuthService,
  SendfactHttpService,
  type SendfactTokenEvent,
} from 'nestjs-sendfact-auth';
import { SENDFACT_LOGGER_CONTEXT } from '../../lib/sendfact-auth.constants.js';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const STATUS_PATH = '/api/cpe/20515809822-01-F001-1/status';

/** What Nest's own ConsoleLogger writes, as `LEVEL [Context] message` lines. */
function captureConsole(): { lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  return {
    lines: () =>
      written
        .join('')
        .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '') // colours
        .split('\n')
        .flatMap((line) => {
          const match = /\b(LOG|WARN|ERROR|DEBUG|VERBOSE|FATAL) \[(\w+)\] (.*)$/.exec(line);
          return match ? [`${match[1]} [${match[2]}] ${match[3]}`] : [];
        }),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/**
 * A Nest app with the default ConsoleLogger at `levels`, against a stand-in with 60 s tokens refreshed ahead
 * after 150 ms: the tests wait past that point, and their safety margin (54 s) is out of reach of any load.
 */
async function startLoggingApp(levels: LogLevel[], password = STAND_IN_DEFAULT_ACCOUNT.password) {
  const standIn = await startSendfactStandIn({ tokenLifetimeSeconds: 60 });
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        username: STAND_IN_DEFAULT_ACCOUNT.username,
        password,
        baseUrl: standIn.url,
        refresh: { refreshAheadRatio: 0.0025, retryBaseDelayMs: 5, retryMaxDelayMs: 10 },
      }),
    ],
  })
  class AppModule {}
  // Nest keeps its logger in a global: an app made with `logger: false` earlier in this process (other spec
  // files share it) leaves none, and `logger: levels` only sets the levels of the one there is.
  Logger.overrideLogger(new ConsoleLogger());
  const app = await NestFactory.createApplicationContext(AppModule, { logger: levels });
  return { app, standIn, auth: app.get(SendfactAuthService), http: app.get(SendfactHttpService) };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('logging', () => {
  it(`logs under the context "${SENDFACT_LOGGER_CONTEXT}" and nothing at all at the log level while things go well`, async () => {
    const output = captureConsole();
    const { app, standIn, auth, http } = await startLoggingApp(['log', 'warn', 'error']);
    cleanup = async () => {
      output.restore();
      await app.close();
      await standIn.close();
    };
    await auth.getAccessToken();
    standIn.revokeTokens(); // a 401, a dropped token, a new one and a replay
    await firstValueFrom(http.get(STATUS_PATH, { validateStatus: () => true }));
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the refresh point
    const old = auth.peekAccessToken(); // a background refresh
    await until(() => auth.peekAccessToken() !== old);
    expect(auth.getStats()).toMatchObject({ refreshes: 3, backgroundRefreshes: 1, replays: 1 });
    const lines = output.lines();
    expect(lines).toContainEqual(expect.stringMatching(/^LOG \[NestFactory\]/)); // the capture works
    expect(lines.filter((l) => l.includes(`[${SENDFACT_LOGGER_CONTEXT}]`))).toEqual([]);
  });

  it('logs new tokens at debug, failed refreshes behind a valid token at warn, and failures that reach callers at error', async () => {
    const output = captureConsole();
    const { app, standIn, auth } = await startLoggingApp(['log', 'warn', 'error', 'debug']);
    cleanup = async () => {
      output.restore();
      await app.close();
      await standIn.close();
    };
    const token = await auth.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const failed = firstValueFrom(auth.events$.pipe(filter((e) => e.type === 'refresh-failed')));
    standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    auth.peekAccessToken(); // the background refresh fails; the token still serves
    await failed;
    // Its retry: on a timer, or at the first call once the backoff is over.
    await until(
      () => auth.peekAccessToken() !== undefined && auth.getStats().backgroundRefreshes === 1,
    );
    auth.invalidateAccessToken();
    standIn.failNextTokenRequests(1, { type: 'status', status: 401 });
    await expect(auth.getAccessToken()).rejects.toThrow('rejected the credentials');

    const ours = output.lines().filter((l) => l.includes(`[${SENDFACT_LOGGER_CONTEXT}]`));
    expect(ours).toEqual([
      expect.stringMatching(/^DEBUG \[SendfactAuth\] Token obtained: lives 60 s, took \d+ ms$/),
      expect.stringMatching(
        /^WARN \[SendfactAuth\] Token request failed \(attempt 1\): the token endpoint answered HTTP 503; retrying in \d+ ms \(still serving the valid token\)$/,
      ),
      expect.stringMatching(
        /^DEBUG \[SendfactAuth\] Token obtained: lives 60 s, took \d+ ms \(background refresh\)$/,
      ),
      'DEBUG [SendfactAuth] Token dropped; the next call gets a new one',
      expect.stringMatching(
        /^ERROR \[SendfactAuth\] Token request failed \(attempt 1\): Sendfact rejected the credentials/,
      ),
    ]);
    for (const line of ours) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(STAND_IN_DEFAULT_ACCOUNT.password);
    }
  });
});

describe('counters and events for your metrics', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('counts token requests, failures, refreshes, invalidations and replays, and times the last refresh', async () => {
    t = await startTestApp({ refresh: { retryBaseDelayMs: 100, retryMaxDelayMs: 100 } });
    const events: SendfactTokenEvent[] = [];
    t.auth.events$.subscribe((e) => events.push(e));
    expect(t.auth.getStats()).toEqual({
      tokenRequests: 0,
      tokenRequestFailures: 0,
      refreshes: 0,
      backgroundRefreshes: 0,
      invalidations: 0,
      replays: 0,
    });

    await t.auth.getAccessToken();
    t.standIn.revokeTokens();
    await firstValueFrom(t.http.get(STATUS_PATH, { validateStatus: () => true })); // 401, dropped, new token, replayed
    t.standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    await t.auth.refreshAccessToken(); // one failure, then a retry after 50-100 ms of backoff
    t.standIn.failNextTokenRequests(1, { type: 'status', status: 401 });
    await expect(t.auth.refreshAccessToken()).rejects.toThrow('rejected the credentials');

    const stats = t.auth.getStats();
    expect(stats).toEqual({
      tokenRequests: 5,
      tokenRequestFailures: 2,
      refreshes: 3,
      backgroundRefreshes: 0,
      invalidations: 1,
      replays: 1,
      lastRefreshDurationMs: expect.any(Number),
    });
    // Time to refresh counts from the first try to the token in hand, the backoff included.
    expect(stats.lastRefreshDurationMs).toBeGreaterThanOrEqual(50);

    expect(events.map((e) => e.type)).toEqual([
      'token-requested',
      'token-refreshed',
      'token-invalidated',
      'request-replayed',
      'token-requested',
      'token-refreshed',
      'token-requested',
      'refresh-failed',
      'token-requested',
      'token-refreshed',
      'token-requested',
      'refresh-failed',
    ]);
    const refreshed = events.filter((e) => e.type === 'token-refreshed');
    expect(refreshed.at(-1)).toMatchObject({
      durationMs: stats.lastRefreshDurationMs,
      lifetimeMs: 120_000,
      background: false,
    });
    const failures = events.filter((e) => e.type === 'refresh-failed');
    expect(failures.map((e) => [e.error.code, e.retryInMs !== undefined])).toEqual([
      ['TOKEN_REQUEST', true],
      ['CREDENTIALS', false],
    ]);
  });
});
