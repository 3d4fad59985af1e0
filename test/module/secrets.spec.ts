import { inspect } from 'node:util';
import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import { startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import type { AxiosError } from 'axios';
import { filter, firstValueFrom, skipWhile } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.js';

const PASSWORD = 'Zq!secret-9f3e-do-not-log';
const USERNAME = 'USER20515809822';

const failure = (e: unknown) => e as AxiosError;

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  #push =
    (level: string) =>
    (...args: unknown[]) =>
      this.lines.push(`${level} ${args.map((a) => inspect(a)).join(' ')}`);
  log = this.#push('log');
  error = this.#push('error');
  warn = this.#push('warn');
  debug = this.#push('debug');
  verbose = this.#push('verbose');
  fatal = this.#push('fatal');
}

describe('secrets', () => {
  it('keeps the password and every token out of logs (debug included), errors and inspect output', async () => {
    const standIn = await startSendfactStandIn({
      accounts: [{ username: USERNAME, password: PASSWORD }],
      // Refreshed ahead after 150 ms, with the safety margin 54 s away: out of reach of any load.
      tokenLifetimeSeconds: 60,
    });
    const logger = new CapturingLogger();
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          username: USERNAME,
          password: PASSWORD,
          baseUrl: standIn.url,
          refresh: { retryBaseDelayMs: 5, retryMaxDelayMs: 10, refreshAheadRatio: 0.0025 },
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger });
    const auth = app.get(SendfactAuthService);
    const http = app.get(SendfactHttpService);
    const tokens = new Set<string>();
    const errors: unknown[] = [];
    auth.events$.subscribe((e) => {
      if (e.type === 'refresh-failed') errors.push(e.error);
    });

    tokens.add(await auth.getAccessToken());
    standIn.revokeTokens(); // a 401 and a replay
    await firstValueFrom(
      http.get(`/api/cpe/${USERNAME.slice(4)}-01-F001-1/status`, { validateStatus: () => true }),
    );
    tokens.add(auth.peekAccessToken()!);
    standIn.failNextTokenRequests(1, { type: 'status', status: 503 }); // a background failure, logged at warn
    // The background refresh fails, then its retry brings a token: both done before the forced refresh below.
    const retried = firstValueFrom(
      auth.events$.pipe(
        skipWhile((e) => e.type !== 'refresh-failed'),
        filter((e) => e.type === 'token-refreshed'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the refresh point
    auth.peekAccessToken();
    await retried;
    tokens.add(await auth.refreshAccessToken());
    standIn.failNextTokenRequests(1, { type: 'status', status: 401 }); // credentials, logged at error
    auth.invalidateAccessToken();
    errors.push(await auth.getAccessToken().catch((e: unknown) => e));
    standIn.failNextTokenRequests(1, {
      type: 'body',
      body: `{"access_token":"${[...tokens][0]}","expires_in":"x"}`,
    });
    errors.push(await auth.refreshAccessToken().catch((e: unknown) => e));

    const options = app.get(SENDFACT_AUTH_OPTIONS);
    await app.close();
    await standIn.close();

    expect(logger.lines).toContainEqual(expect.stringMatching(/^warn/));
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error/));
    expect(logger.lines).toContainEqual(expect.stringMatching(/^debug/));
    expect(errors.length).toBeGreaterThanOrEqual(3);
    const texts = [
      ...logger.lines,
      ...errors.flatMap((e) => [
        String(e),
        inspect(e, { depth: 10, showHidden: true }),
        JSON.stringify(e),
      ]),
      inspect(options, { depth: 10, showHidden: true }),
      JSON.stringify(options),
      inspect(auth, { depth: 10, showHidden: true }),
      inspect(http, { depth: 3 }),
    ];
    expect(tokens.size).toBe(3);
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});

describe('what SendfactHttpService hands back', () => {
  it('carries no token: AxiosErrors and responses are scrubbed once the request is done', async () => {
    const t = await startTestApp();
    const token = await t.auth.getAccessToken();
    const notFound = await firstValueFrom(t.http.get('/api/cpe/20515809822-01-F404-1/status'))
      .then(() => failure(new Error('expected a 404')))
      .catch(failure);
    expect(notFound.response?.status).toBe(404);
    t.standIn.failNextApiRequests(2, { type: 'status', status: 401 });
    const unauthorized = await firstValueFrom(t.http.get('/api/cpe/x/status'))
      .then(() => failure(new Error('expected a 401')))
      .catch(failure);
    expect(unauthorized.response?.status).toBe(401);
    const ok = await firstValueFrom(
      t.http.post('/api/cpe/sign', {
        file_name: '20515809822-01-F001-1',
        file_content: Buffer.from('<a/>').toString('base64'),
      }),
    );
    const tokens = [token, t.auth.peekAccessToken()!];
    for (const holder of [notFound, unauthorized, ok]) {
      const text = inspect(holder, { depth: Infinity });
      for (const tok of tokens) expect(text).not.toContain(tok);
      expect(JSON.stringify('toJSON' in holder ? holder.toJSON() : holder.config)).not.toContain(
        token,
      );
      expect(holder.config?.headers.Authorization).toBe('Bearer [redacted]');
      expect(holder.request).toBeDefined(); // still there for those who look for it
    }
    await t.close();
  });
});
