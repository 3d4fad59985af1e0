/**
 * An app that keeps its own error body for every error, Sendfact's included: its global `@Catch()` filter
 * asks `SendfactExceptionFilter.toHttp()` for the status, message and `Retry-After` of this package's errors,
 * and handles the rest as it always did. The two filters below are the ones docs/CONFIGURATION.md and the
 * README show (a test at the end holds them to it).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import {
  type ArgumentsHost,
  Body,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  HttpStatus,
  type INestApplication,
  Logger,
  type LoggerService,
  Module,
  NotFoundException,
  Param,
  Post,
  type Type,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost, NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  SendfactCpeService,
  SendfactExceptionFilter,
  SendfactTokenRequestError,
  type SendfactDocumentRequest,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

@Catch()
class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AppExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const sendfact = SendfactExceptionFilter.toHttp(exception); // undefined unless a SendfactAuthError
    if (sendfact !== undefined) {
      // Its own message may name configuration: the log gets it, the body gets the mapped sentence.
      this.logger.warn(`${String(exception)} -> HTTP ${sendfact.status}`);
      const { status, retryAfterSeconds, body } = sendfact;
      if (retryAfterSeconds !== undefined) {
        const response: unknown = host.switchToHttp().getResponse();
        this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(retryAfterSeconds));
      }
      return this.reply(host, status, body.message, body.errors && { errors: body.errors });
    }
    // The app's own handling, as before.
    if (exception instanceof HttpException)
      return this.reply(host, exception.getStatus(), exception.message);
    this.logger.error(exception);
    this.reply(host, HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }

  /** The app's one error shape. */
  private reply(host: ArgumentsHost, statusCode: number, message: string, details = {}): void {
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const body = {
      success: false,
      statusCode,
      message,
      ...details,
      path: httpAdapter.getRequestUrl(http.getRequest()),
      timestamp: new Date().toISOString(),
    };
    httpAdapter.reply(http.getResponse(), body, statusCode);
  }
}

/** The README's shorter filter: the same answers, without the logging. */
@Catch() // registered with { provide: APP_FILTER, useClass: AppExceptionFilter }
class ShortAppExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const http = host.switchToHttp();
    const sendfact = SendfactExceptionFilter.toHttp(exception); // undefined unless a SendfactAuthError
    if (sendfact?.retryAfterSeconds !== undefined)
      httpAdapter.setHeader(http.getResponse(), 'Retry-After', String(sendfact.retryAfterSeconds));
    const statusCode =
      sendfact?.status ?? (exception instanceof HttpException ? exception.getStatus() : 500);
    const message =
      sendfact?.body.message ??
      (exception instanceof HttpException ? exception.message : 'Internal server error');
    const body = {
      success: false,
      statusCode,
      message,
      ...(sendfact?.body.errors && { errors: sendfact.body.errors }),
      path: httpAdapter.getRequestUrl(http.getRequest()),
      timestamp: new Date().toISOString(),
    };
    httpAdapter.reply(http.getResponse(), body, statusCode);
  }
}

const DOWN = { username: 'USER20131312955', password: 'app-filter-down-pw' };
const PASSWORDS = [STAND_IN_DEFAULT_ACCOUNT.password, DOWN.password];
const RUC = STAND_IN_DEFAULT_ACCOUNT.username.slice(4);
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const document = (n: number, amount: string): SendfactDocumentRequest => ({
  file_name: `${RUC}-01-F001-${n}`,
  file_content: Buffer.from(
    `<Invoice><cbc:PayableAmount>${amount}</cbc:PayableAmount></Invoice>`,
  ).toString('base64'),
});

@Controller()
class InvoicesController {
  constructor(private readonly cpe: SendfactCpeService) {}

  @Get('status/:account/:fileName')
  status(@Param('account') account: string, @Param('fileName') fileName: string) {
    return this.cpe.status(fileName, account === 'default' ? undefined : account);
  }

  @Post('send')
  send(@Body() body: SendfactDocumentRequest) {
    return this.cpe.send(body);
  }

  @Get('missing')
  missing() {
    throw new NotFoundException('No such invoice');
  }

  @Get('crash')
  crash() {
    throw new Error(`the database refused ${DOWN.password}`);
  }
}

/** Keeps what the app logs, to show where an error's own message goes. */
function keptLogs(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: unknown) => void lines.push(String(message));
  return { lines, log() {}, debug() {}, verbose() {}, warn: keep, error: keep };
}

let standIn: SendfactStandIn;
let app: INestApplication | undefined;
let base: string;
let logs: ReturnType<typeof keptLogs>;

beforeAll(async () => {
  standIn = await startSendfactStandIn({ accounts: [STAND_IN_DEFAULT_ACCOUNT, DOWN] });
});
afterAll(() => standIn.close());

async function startApp(filter: Type<ExceptionFilter>): Promise<void> {
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        isGlobal: true,
        baseUrl: standIn.url,
        ...STAND_IN_DEFAULT_ACCOUNT,
        accounts: { down: DOWN },
        refresh: { maxAttempts: 1 },
      }),
    ],
    controllers: [InvoicesController],
    providers: [{ provide: APP_FILTER, useClass: filter }],
  })
  class AppModule {}
  logs = keptLogs();
  app = await NestFactory.create(AppModule, { logger: logs });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}
afterEach(async () => {
  await app?.close();
  app = undefined;
  standIn.clearFaults();
});

async function request(path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // No secret and no stack in any body: no password, token, login, configuration name or source line.
  for (const password of PASSWORDS) expect(text).not.toContain(password);
  expect(text).not.toMatch(/eyJ|bearer|authorization|USER\d{11}|SENDFACT_/i);
  expect(text).not.toMatch(/stack|\bat \S|\.[cm]?[jt]s:\d/i);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: JSON.parse(text) };
}

describe.each([
  ['docs/CONFIGURATION.md', AppExceptionFilter],
  ['the README', ShortAppExceptionFilter],
])(
  "an app's own global filter using SendfactExceptionFilter.toHttp(), as %s shows it",
  (_, filter) => {
    beforeEach(() => startApp(filter));

    it('answers a token endpoint that is down (retryable SendfactTokenRequestError) with 503, Retry-After and its own shape', async () => {
      standIn.failNextTokenRequests(1, {
        type: 'status',
        status: 503,
        headers: { 'retry-after': '7' },
      });
      const path = `/status/down/${RUC}-01-F001-1`;
      expect(await request(path)).toEqual({
        status: 503,
        retryAfter: '7',
        body: {
          success: false,
          statusCode: 503,
          message: 'Sendfact is unavailable; try again later',
          path,
          timestamp: expect.stringMatching(ISO_TIME),
        },
      });
    });

    it('answers a document Sendfact rejected (SendfactApiError 4xx) with 422 and its errors', async () => {
      expect(await request('/send', document(1, '-3.00'))).toEqual({
        status: 422,
        retryAfter: null,
        body: {
          success: false,
          statusCode: 422,
          message: 'Sendfact rejected the document',
          errors: ['2999 - El importe total a pagar no puede ser negativo'],
          path: '/send',
          timestamp: expect.stringMatching(ISO_TIME),
        },
      });
    });

    it('answers an unknown account (SendfactUnknownAccountError) with 404', async () => {
      const path = `/status/nobody/${RUC}-01-F001-1`;
      expect(await request(path)).toEqual({
        status: 404,
        retryAfter: null,
        body: {
          success: false,
          statusCode: 404,
          message: 'Unknown Sendfact account',
          path,
          timestamp: expect.stringMatching(ISO_TIME),
        },
      });
    });

    it("leaves every other error to the app's own handling, untouched", async () => {
      expect(await request('/missing')).toEqual({
        status: 404,
        retryAfter: null,
        body: {
          success: false,
          statusCode: 404,
          message: 'No such invoice',
          path: '/missing',
          timestamp: expect.stringMatching(ISO_TIME),
        },
      });
      expect(await request('/crash')).toEqual({
        status: 500,
        retryAfter: null,
        body: {
          success: false,
          statusCode: 500,
          message: 'Internal server error',
          path: '/crash',
          timestamp: expect.stringMatching(ISO_TIME),
        },
      });
    });
  },
);

describe('the filter of docs/CONFIGURATION.md', () => {
  it("logs the error's own message, which the body leaves out", async () => {
    await startApp(AppExceptionFilter);
    standIn.failNextTokenRequests(1, { type: 'status', status: 503 });
    const answer = await request(`/status/down/${RUC}-01-F001-1`);
    expect(answer.body.message).toBe('Sendfact is unavailable; try again later');
    expect(logs.lines).toContain(
      'SendfactTokenRequestError: the token endpoint answered HTTP 503 -> HTTP 503',
    );
  });
});

describe('SendfactExceptionFilter.toHttp()', () => {
  it('maps a SendfactAuthError with no instance of the filter, and answers undefined for anything else', () => {
    const { toHttp } = SendfactExceptionFilter;
    for (const other of [new Error('x'), new NotFoundException(), 'text', null, undefined, {}])
      expect(toHttp(other)).toBeUndefined();
    const error = new SendfactTokenRequestError('down', { retryable: true, retryAfterMs: 7_000 });
    expect(toHttp(error)).toEqual({
      status: 503,
      retryAfterSeconds: 7,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Sendfact is unavailable; try again later',
      },
    });
  });
});

/** The filter class `name` in `text`, from its `@Catch()` to its closing brace, its name and export aside. */
function filterIn(text: string, name: string): string {
  const at = text.indexOf(`class ${name} `);
  expect(at).toBeGreaterThan(0);
  const start = text.lastIndexOf('@Catch()', at);
  const end = text.indexOf('\n}\n', at) + 3;
  return text.slice(start, end).replace(/(export )?class \w+ /, 'class Filter ');
}

const readText = (url: URL) => readFileSync(url, 'utf8');

describe('the docs', () => {
  it('show the very filters this file runs', () => {
    const spec = readText(new URL(import.meta.url));
    const configuration = readText(new URL('../../docs/CONFIGURATION.md', import.meta.url));
    const readme = readText(new URL('../../README.md', import.meta.url));
    expect(filterIn(configuration, 'AppExceptionFilter')).toBe(
      filterIn(spec, 'AppExceptionFilter'),
    );
    expect(filterIn(readme, 'AppExceptionFilter')).toBe(filterIn(spec, 'ShortAppExceptionFilter'));
  });
});
