import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  type INestApplication,
  Module,
  Param,
  Post,
  UseFilters,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactAuthModule,
  SendfactConfigError,
  SendfactCpeService,
  SendfactExceptionFilter,
  type SendfactDocumentRequest,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** One login per account, so that no two accounts could share a token. */
const LOGINS = {
  broken: { username: 'USER20100070970', password: 'broken-pw' },
  down: { username: 'USER20131312955', password: 'down-pw' },
  wrongUrl: { username: 'USER20600000001', password: 'wrong-url-pw' },
  garbled: { username: 'USER20600000002', password: 'garbled-pw' },
};
const PASSWORDS = [
  STAND_IN_DEFAULT_ACCOUNT.password,
  ...Object.values(LOGINS).map((l) => l.password),
];
const RUC = STAND_IN_DEFAULT_ACCOUNT.username.slice(4);
const document = (n: number, amount = '1.00'): SendfactDocumentRequest => ({
  file_name: `${RUC}-01-F001-${n}`,
  file_content: Buffer.from(
    `<Invoice><cbc:PayableAmount>${amount}</cbc:PayableAmount></Invoice>`,
  ).toString('base64'),
});

/** A kind of error this package may add later, known to the filter only by its `retryable` flag. */
class LaterError extends SendfactAuthError {
  override readonly name = 'LaterError';
  constructor(
    override readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super('a later kind of error');
  }
}

const THROWN: Record<string, () => Error> = {
  config: () => new SendfactConfigError(['SENDFACT_PASSWORD is required']),
  aborted: () => new SendfactAbortedError(),
  closed: () => new SendfactAuthClosedError(),
  'later-retryable': () => new LaterError(true, 2_000),
  'later-final': () => new LaterError(false),
  plain: () => new Error('not ours'),
};

@Controller()
class RowsController {
  constructor(private readonly cpe: SendfactCpeService) {}

  @Get('status/:account/:fileName')
  status(@Param('account') account: string, @Param('fileName') fileName: string) {
    return this.cpe.status(fileName, account === 'default' ? undefined : account);
  }

  @Post('send')
  send(@Body() body: SendfactDocumentRequest) {
    return this.cpe.send(body);
  }

  @Get('throw/:kind')
  throw(@Param('kind') kind: string) {
    throw THROWN[kind]!();
  }
}

/** The same routes, with the filter as a controller's `@UseFilters` (made by Nest, with its adapter host). */
@Controller()
@UseFilters(SendfactExceptionFilter)
class FilteredRowsController extends RowsController {}

let standIn: SendfactStandIn;
let app: INestApplication;
let base: string;

async function startApp(globalFilter: boolean): Promise<void> {
  const accounts = Object.fromEntries(
    Object.entries(LOGINS).map(([id, login]) => [
      id,
      id === 'broken' ? { ...login, password: 'not-the-password' } : login,
    ]),
  );
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        isGlobal: true,
        baseUrl: standIn.url,
        ...STAND_IN_DEFAULT_ACCOUNT,
        accounts,
        refresh: { maxAttempts: 1 },
      }),
    ],
    controllers: [globalFilter ? RowsController : FilteredRowsController],
  })
  class AppModule {}
  app = await NestFactory.create(AppModule, { logger: false });
  // The filter made by hand, without Nest's adapter host: it writes through Express's response itself.
  if (globalFilter) app.useGlobalFilters(new SendfactExceptionFilter());
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}

beforeAll(async () => {
  standIn = await startSendfactStandIn({
    accounts: [STAND_IN_DEFAULT_ACCOUNT, ...Object.values(LOGINS)],
  });
});
afterAll(() => standIn.close());
afterEach(async () => {
  await app.close();
  standIn.clearFaults();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
  text: string;
}

async function request(path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // No secret in any body: no password, no token, no login, no configuration name.
  for (const password of PASSWORDS) expect(text).not.toContain(password);
  expect(text).not.toMatch(/eyJ|bearer|authorization|USER\d{11}|SENDFACT_/i);
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: JSON.parse(text),
    text,
  };
}

const BAD_GATEWAY = {
  statusCode: 502,
  error: 'Bad Gateway',
  message: 'Sendfact could not be used; the server log says why',
};
const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'Sendfact is unavailable; try again later',
};

describe.each([
  ['@UseFilters (Nest-made, through the HTTP adapter)', false],
  ['useGlobalFilters(new SendfactExceptionFilter())', true],
])('SendfactExceptionFilter, as %s', (_, globalFilter) => {
  it('unknown account -> 404', async () => {
    await startApp(globalFilter);
    const answer = await request(`/status/nobody/${RUC}-01-F001-1`);
    expect(answer).toMatchObject({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'Unknown Sendfact account' },
    });
  });

  it('Sendfact refused our credentials -> 502 with no detail', async () => {
    await startApp(globalFilter);
    const answer = await request(`/status/broken/${RUC}-01-F001-1`);
    expect(answer).toMatchObject({ status: 502, retryAfter: null, body: BAD_GATEWAY });
    expect(answer.text).not.toMatch(/credential|401|password/i);
  });

  it('token endpoint down (retryable SendfactTokenRequestError) -> 503 with Retry-After', async () => {
    await startApp(globalFilter);
    standIn.failNextTokenRequests(1, {
      type: 'status',
      status: 503,
      headers: { 'retry-after': '7' },
    });
    const answer = await request(`/status/down/${RUC}-01-F001-1`);
    expect(answer).toMatchObject({ status: 503, retryAfter: '7', body: UNAVAILABLE });
  });

  it('token endpoint answering 404 (not retryable) or an unusable 200 -> 502', async () => {
    await startApp(globalFilter);
    standIn.failNextTokenRequests(1, { type: 'status', status: 404 });
    expect(await request(`/status/wrongUrl/${RUC}-01-F001-1`)).toMatchObject({
      status: 502,
      body: BAD_GATEWAY,
    });
    standIn.failNextTokenRequests(1, { type: 'body', body: '{"token_type":"JWT"}' });
    expect(await request(`/status/garbled/${RUC}-01-F001-1`)).toMatchObject({
      status: 502,
      body: BAD_GATEWAY,
    });
  });

  it('Sendfact rejected the document (SendfactApiError 4xx with errors) -> 422 with its errors', async () => {
    await startApp(globalFilter);
    const rejected = await request('/send', document(1, '-3.00'));
    expect(rejected).toEqual({
      status: 422,
      retryAfter: null,
      body: {
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'Sendfact rejected the document',
        errors: ['2999 - El importe total a pagar no puede ser negativo'],
        is_rejected: true,
      },
      text: expect.any(String),
    });
    const badName = await request('/send', { ...document(2), file_name: 'oops' });
    expect(badName).toMatchObject({
      status: 422,
      body: {
        errors: ['0151 - El nombre del archivo no es válido (file_name)'],
        is_rejected: false,
      },
    });
  });

  it('arguments that could not be sent -> 422 saying which', async () => {
    await startApp(globalFilter);
    expect(await request('/send', { file_name: `${RUC}-01-F001-1` })).toMatchObject({
      status: 422,
      body: {
        message: 'The document could not be sent to Sendfact',
        errors: ['POST /api/cpe/send was not sent: file_content must be a non-empty string'],
      },
    });
  });

  it('Sendfact does not know the document (404) -> 404 with its errors', async () => {
    await startApp(globalFilter);
    expect(await request(`/status/default/${RUC}-01-F001-404`)).toMatchObject({
      status: 404,
      body: {
        statusCode: 404,
        message: 'Sendfact does not know this document',
        errors: ['0100 - El comprobante no existe'],
      },
    });
  });

  it('Sendfact answering 503, or not answering -> 503 with Retry-After', async () => {
    await startApp(globalFilter);
    standIn.failNextApiRequests(1, {
      type: 'status',
      status: 503,
      headers: { 'retry-after': '9' },
    });
    expect(await request(`/status/default/${RUC}-01-F001-1`)).toMatchObject({
      status: 503,
      retryAfter: '9',
      body: UNAVAILABLE,
    });
    standIn.failNextApiRequests(1, { type: 'reset-before-headers' });
    expect(await request(`/status/default/${RUC}-01-F001-1`)).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: UNAVAILABLE,
    });
  });

  it('Sendfact refusing a fresh token (401 twice), or a 2xx without the needed fields -> 502', async () => {
    await startApp(globalFilter);
    standIn.failNextApiRequests(2, { type: 'status', status: 401 });
    expect(await request(`/status/default/${RUC}-01-F001-1`)).toMatchObject({
      status: 502,
      body: BAD_GATEWAY,
    });
    standIn.failNextApiRequests(1, { type: 'body', body: '{"message":"ok"}' });
    expect(await request(`/status/default/${RUC}-01-F001-1`)).toMatchObject({
      status: 502,
      body: BAD_GATEWAY,
    });
  });

  it('configuration -> 500, aborted -> 504, shutting down -> 503, a later kind by its retryable flag', async () => {
    await startApp(globalFilter);
    expect(await request('/throw/config')).toMatchObject({
      status: 500,
      body: { statusCode: 500, message: 'Sendfact is not configured correctly' },
    });
    expect(await request('/throw/aborted')).toMatchObject({
      status: 504,
      body: { statusCode: 504, error: 'Gateway Timeout' },
    });
    expect(await request('/throw/closed')).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: UNAVAILABLE,
    });
    expect(await request('/throw/later-retryable')).toMatchObject({
      status: 503,
      retryAfter: '2',
      body: UNAVAILABLE,
    });
    expect(await request('/throw/later-final')).toMatchObject({ status: 502, body: BAD_GATEWAY });
    // Not this package's error: left to Nest.
    expect(await request('/throw/plain')).toMatchObject({
      status: 500,
      body: { statusCode: 500, message: 'Internal server error' },
    });
  });
});
