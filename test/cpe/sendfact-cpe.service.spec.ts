import { inspect } from 'node:util';
import {
  SendfactApiError,
  SendfactCpeService,
  SendfactCredentialsError,
  SendfactDocumentStatus,
  SendfactUnknownAccountError,
} from 'nestjs-sendfact-auth';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';

/** Two issuing companies: the stand-in only takes a document whose RUC is the one of the token's login. */
const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const DEFAULT_RUC = STAND_IN_DEFAULT_ACCOUNT.username.slice(4);
const xml = (amount = '118.00') =>
  `<?xml version="1.0"?><Invoice><cbc:PayableAmount currencyID="PEN">${amount}</cbc:PayableAmount></Invoice>`;
const document = (fileName: string, amount?: string) => ({
  file_name: fileName,
  file_content: Buffer.from(xml(amount)).toString('base64'),
});

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function boot(options: Parameters<typeof startTestApp>[0] = {}) {
  t = await startTestApp(
    { accounts: { acme: ACME }, refresh: { maxAttempts: 1 }, ...options },
    { accounts: [STAND_IN_DEFAULT_ACCOUNT, ACME] },
  );
  return { ...t, cpe: t.app.get(SendfactCpeService) };
}

/** The rejection of `promise`, which must be a SendfactApiError. */
async function apiError(promise: Promise<unknown>): Promise<SendfactApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SendfactApiError);
  return error as SendfactApiError;
}

/** Nothing of the request's secrets in the error, however it is looked at. */
function expectNoSecret(error: unknown, token: string): void {
  const views = [
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    String(error),
    (error as Error).stack ?? '',
  ];
  for (const view of views) {
    expect(view).not.toContain(token);
    expect(view).not.toMatch(/authorization|bearer|eyJ/i);
    expect(view).not.toContain(STAND_IN_DEFAULT_ACCOUNT.password);
    expect(view).not.toContain(ACME.password);
  }
}

describe('SendfactCpeService', () => {
  it('signs, sends and reads the status of a document, typed, for the default account', async () => {
    const { cpe, standIn } = await boot();
    const fileName = `${DEFAULT_RUC}-01-F001-1`;
    const signed = await cpe.sign(document(fileName));
    expect(signed).toMatchObject({
      message: expect.stringContaining(fileName),
      hash_code: expect.any(String),
    });
    expect(Buffer.from(signed.xml, 'base64').toString()).toContain('<ds:Signature');
    const sent = await cpe.send({ file_name: fileName, file_content: signed.xml });
    expect(sent.message).toBe('La Factura numero F001-1, ha sido aceptada');
    expect(sent.observations).toEqual([]);
    const status = await cpe.status(fileName);
    expect(status).toMatchObject({
      document_status: SendfactDocumentStatus.Accepted,
      message: 'Aceptado',
      is_rejected: false,
    });
    expect(standIn.stats.tokenRequests).toBe(1);
  });

  it("uses the named account's token: a document of acme's RUC is taken for acme, refused for the default", async () => {
    const { cpe, standIn } = await boot();
    const fileName = `${ACME.username.slice(4)}-01-F001-7`;
    await expect(cpe.send(document(fileName), 'acme')).resolves.toMatchObject({
      message: expect.stringContaining('aceptada'),
    });
    expect(standIn.log.at(-1)).toMatchObject({ path: '/api/cpe/send', account: ACME.username });
    const refused = await apiError(cpe.send(document(fileName)));
    expect(refused).toMatchObject({ status: 403, errors: [expect.stringMatching(/^0154 - /)] });
  });

  it('turns a 4xx into a SendfactApiError with status, errors and is_rejected, and no token anywhere', async () => {
    const { cpe, auth } = await boot();
    const token = await auth.getAccessToken();
    const bad = await apiError(cpe.sign({ file_name: 'oops', file_content: 'PEludm9pY2UvPg==' }));
    expect(bad).toMatchObject({
      name: 'SendfactApiError',
      code: 'API',
      reason: 'error-status',
      method: 'POST',
      path: '/api/cpe/sign',
      status: 400,
      errors: ['0151 - El nombre del archivo no es válido (file_name)'],
      is_rejected: false,
      retryable: false,
    });
    expect(bad.message).toBe(
      'Sendfact answered HTTP 400 to POST /api/cpe/sign: 0151 - El nombre del archivo no es válido (file_name)',
    );
    expectNoSecret(bad, token);

    const fileName = `${DEFAULT_RUC}-01-F001-2`;
    const rejected = await apiError(cpe.send(document(fileName, '-5.00')));
    expect(rejected).toMatchObject({ status: 400, is_rejected: true });
    expect(rejected.errors[0]).toMatch(/^2999 - /);
    expectNoSecret(rejected, token);
    const status = await cpe.status(fileName);
    expect(status).toMatchObject({
      document_status: SendfactDocumentStatus.Rejected,
      is_rejected: true,
      error_detail: rejected.errors[0],
    });

    const missing = await apiError(cpe.status(`${DEFAULT_RUC}-01-F001-99`));
    expect(missing).toMatchObject({ status: 404, errors: ['0100 - El comprobante no existe'] });
    expectNoSecret(missing, token);
  });

  it("is retryable on a 5xx, with Sendfact's Retry-After, and on no answer at all", async () => {
    const { cpe, auth, standIn } = await boot();
    const token = await auth.getAccessToken();
    standIn.failNextApiRequests(1, {
      type: 'status',
      status: 503,
      headers: { 'retry-after': '7' },
      body: JSON.stringify({ errors: ['0109 - El sistema no puede responder'], status: 503 }),
    });
    const down = await apiError(cpe.status(`${DEFAULT_RUC}-01-F001-1`));
    expect(down).toMatchObject({
      status: 503,
      retryable: true,
      retryAfterMs: 7000,
      errors: ['0109 - El sistema no puede responder'],
    });
    expectNoSecret(down, token);

    standIn.failNextApiRequests(1, { type: 'reset-before-headers' });
    const gone = await apiError(cpe.status(`${DEFAULT_RUC}-01-F001-1`));
    expect(gone).toMatchObject({ reason: 'no-answer', retryable: true, errors: [] });
    expect(gone.status).toBeUndefined();
    expect(gone.message).toMatch(
      /^Sendfact did not answer GET \/api\/cpe\/20515809822-01-F001-1\/status: /,
    );
    expectNoSecret(gone, token);
  });

  it('is lenient: extra fields pass through, a numeric string status is read, a missing message is empty', async () => {
    const { cpe, standIn } = await boot();
    standIn.failNextApiRequests(1, {
      type: 'body',
      body: JSON.stringify({ document_status: '4', ticket_sunat: '1234', cdr: null }),
    });
    expect(await cpe.status(`${DEFAULT_RUC}-01-F001-1`)).toEqual({
      document_status: SendfactDocumentStatus.Sent,
      message: '',
      is_rejected: false,
      ticket_sunat: '1234',
      cdr: null,
    });
    standIn.failNextApiRequests(1, {
      type: 'body',
      body: JSON.stringify({
        message: 'ok',
        ticket: '202600001',
        observations: '4252 - observado',
        extra: { a: 1 },
      }),
    });
    expect(await cpe.send(document(`${DEFAULT_RUC}-RC-20260101-1`))).toEqual({
      message: 'ok',
      ticket: '202600001',
      observations: ['4252 - observado'],
      extra: { a: 1 },
    });
  });

  it('rejects a 2xx answer without the fields a call needs, naming the field and not its value', async () => {
    const { cpe, auth, standIn } = await boot();
    const token = await auth.getAccessToken();
    standIn.failNextApiRequests(1, {
      type: 'body',
      body: JSON.stringify({ message: 'firmado', xml: 'PGEvPg==' }),
    });
    const noHash = await apiError(cpe.sign(document(`${DEFAULT_RUC}-01-F001-1`)));
    expect(noHash).toMatchObject({ reason: 'unreadable-answer', status: 200, retryable: false });
    expect(noHash.message).toBe(
      "Sendfact's answer to POST /api/cpe/sign was not understood: hash_code is missing or not a string",
    );
    standIn.failNextApiRequests(1, { type: 'body', body: '<html>maintenance</html>' });
    const html = await apiError(cpe.status(`${DEFAULT_RUC}-01-F001-1`));
    expect(html.message).toMatch(/the body is not a JSON object$/);
    expectNoSecret(html, token);
  });

  it('sends nothing for unusable arguments, with a typed error', async () => {
    const { cpe, standIn } = await boot();
    const before = standIn.stats.apiRequests;
    const noName = await apiError(cpe.sign({ file_content: 'PGEvPg==' } as never));
    expect(noName).toMatchObject({ reason: 'not-sent', retryable: false });
    expect(noName.message).toBe(
      'POST /api/cpe/sign was not sent: file_name must be a non-empty string',
    );
    await expect(cpe.send(null as never)).rejects.toMatchObject({ reason: 'not-sent' });
    await expect(cpe.status('..')).rejects.toMatchObject({ reason: 'not-sent' });
    expect(standIn.stats.apiRequests).toBe(before);
  });

  it('hands token errors on as they are: unknown account, refused credentials', async () => {
    const { cpe } = await boot({ accounts: { acme: ACME, broken: { ...ACME, password: 'no' } } });
    await expect(cpe.status(`${DEFAULT_RUC}-01-F001-1`, 'nobody')).rejects.toBeInstanceOf(
      SendfactUnknownAccountError,
    );
    await expect(cpe.status(`${DEFAULT_RUC}-01-F001-1`, 'broken')).rejects.toBeInstanceOf(
      SendfactCredentialsError,
    );
  });

  it('recovers a 401 through the interceptor: the call succeeds with a fresh token', async () => {
    const { cpe, standIn } = await boot();
    const fileName = `${DEFAULT_RUC}-01-F001-3`;
    await cpe.send(document(fileName));
    standIn.revokeTokens();
    expect((await cpe.status(fileName)).document_status).toBe(SendfactDocumentStatus.Accepted);
    expect(standIn.stats.tokenRequests).toBe(2);
  });
});
