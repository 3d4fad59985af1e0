import { finished } from 'node:stream/promises';
import { inspect } from 'node:util';
import { ConsoleLogger, Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AxiosError, type AxiosResponse } from 'axios';
import { SendfactAuthModule, SendfactHttpService } from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';
import { findSecret } from './find-secret.js';

const ACME = { username: 'USER20100047218', password: 'acme-password' };
const found = (ruc: string) => `/api/cpe/${ruc}-01-F001-1/status`;
const missing = (ruc: string) => `/api/cpe/${ruc}-01-F999-404/status`;
const invoice = (ruc: string) => ({
  file_name: `${ruc}-01-F001-1`,
  file_content: Buffer.from('<?xml version="1.0"?><Invoice><ID>F001-1</ID></Invoice>').toString(
    'base64',
  ),
});

/**
 * What a caller can get at: the object itself, what its `request` getters give (findSecret calls no
 * getter), and what util.inspect prints at two depths.
 */
function exposures(holder: unknown, secrets: string[]) {
  const h = holder as { request?: unknown; response?: { request?: unknown } };
  return {
    walk: [
      ...findSecret(holder, secrets),
      ...findSecret(h.request, secrets).map((path) => `$.request${path.slice(1)}`),
      ...findSecret(h.response?.request, secrets).map(
        (path) => `$.response.request${path.slice(1)}`,
      ),
    ],
    inspectDefault: secrets.some((s) => inspect(holder).includes(s)),
    inspectInfinity: secrets.some((s) => inspect(holder, { depth: Infinity }).includes(s)),
  };
}
/** Reads a stream body to its end (as a caller would); other bodies are left as they are. */
async function drain(data: unknown): Promise<void> {
  const stream = data as NodeJS.ReadableStream & { resume?: unknown };
  if (typeof stream?.resume === 'function') await finished(stream.resume());
}
const NONE = { walk: [], inspectDefault: false, inspectInfinity: false };

describe('no token on what the caller gets back', () => {
  let t: TestApp;
  let secrets: string[];
  beforeAll(async () => {
    t = await startTestApp(
      { accounts: { acme: ACME } },
      { accounts: [STAND_IN_DEFAULT_ACCOUNT, ACME] },
    );
    for (const [, http, ruc] of clients())
      await firstValueFrom(http.post('/api/cpe/send', invoice(ruc)));
    secrets = [
      await t.auth.getAccessToken(),
      await t.auth.getAccessToken('acme'),
      STAND_IN_DEFAULT_ACCOUNT.password,
      ACME.password,
    ];
  });
  afterAll(() => t.close());

  const clients = () =>
    [
      ['SendfactHttpService', t.http, '20515809822'],
      ["forAccount('acme')", t.http.forAccount('acme'), '20100047218'],
    ] as const;

  it.each(['stream', 'json'] as const)(
    'a %s response: not in its object graph, nor in util.inspect at any depth',
    async (responseType) => {
      for (const [name, http, ruc] of clients()) {
        const response: AxiosResponse = await firstValueFrom(
          http.get(found(ruc), { responseType }),
        );
        const before = exposures(response, secrets);
        await drain(response.data);
        const after = exposures(response, secrets);
        expect([name, before, after]).toEqual([name, NONE, NONE]);
      }
      expect(t.standIn.log.at(-1)).toMatchObject({ path: found('20100047218'), auth: 'ok' });
    },
  );

  it.each(['stream', 'json'] as const)(
    'a failed %s request: not in the error, nor in util.inspect at any depth',
    async (responseType) => {
      for (const [name, http, ruc] of clients()) {
        const error = await firstValueFrom(http.get(missing(ruc), { responseType })).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AxiosError);
        expect((error as AxiosError).response?.status).toBe(404);
        expect([name, exposures(error, secrets)]).toEqual([name, NONE]);
      }
    },
  );

  it('a request that never reached Sendfact: not in the network error', async () => {
    t.standIn.failNextApiRequests(1, { type: 'reset-before-headers' });
    const error = await firstValueFrom(
      t.http.get(found('20515809822'), { responseType: 'stream' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect(exposures(error, secrets)).toEqual(NONE);
  });
});

describe("a failing stream request thrown into Nest's default exception filter", () => {
  let standIn: SendfactStandIn;
  let app: INestApplication | undefined;
  beforeAll(async () => {
    standIn = await startSendfactStandIn();
  });
  afterEach(async () => {
    await app?.close();
    vi.restoreAllMocks();
  });
  afterAll(() => standIn.close());

  it('leaves no token in what the stock logger writes', async () => {
    @Controller()
    class DocumentsController {
      constructor(private readonly http: SendfactHttpService) {}
      @Get('status')
      async status(): Promise<unknown> {
        const { data } = await firstValueFrom(
          this.http.get(missing('20515809822'), { responseType: 'stream' }),
        );
        return data;
      }
    }
    @Module({
      imports: [SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url })],
      controllers: [DocumentsController],
    })
    class AppModule {}
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    app = await NestFactory.create(AppModule, { logger: new ConsoleLogger() });
    await app.listen(0, '127.0.0.1');
    const res = await fetch(`${await app.getUrl()}/status`);
    expect(res.status).toBe(500);
    vi.restoreAllMocks();
    const log = written.join('');
    expect(log).toContain('ExceptionsHandler'); // the filter did log the error
    expect(log).not.toMatch(/Bearer (?!\[redacted\])/);
    expect(standIn.log.at(-1)).toMatchObject({ auth: 'ok', status: 404 }); // it was signed
  });
});
