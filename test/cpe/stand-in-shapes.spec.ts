/**
 * Keeps the stand-in and SendfactCpeService in step: every answer the stand-in gives on the document routes,
 * success and failure, is read by the service's own parsers, and has no field the types do not list.
 */
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseErrorBody,
  parseSendResponse,
  parseSignResponse,
  parseStatusResponse,
} from '../../lib/cpe/sendfact-cpe.parsers.js';

/** The fields each type of lib/cpe/sendfact-cpe.types.ts lists. */
const FIELDS = {
  sign: ['message', 'xml', 'hash_code'],
  send: [
    'message',
    'observations',
    'xml',
    'cdr',
    'hash_code',
    'errors',
    'error_detail',
    'estado',
    'ticket',
  ],
  status: [
    'document_status',
    'message',
    'is_rejected',
    'error_detail',
    'observations',
    'cdr',
    'xml',
  ],
  error: ['errors', 'is_rejected', 'status', 'message'],
};

const RUC = STAND_IN_DEFAULT_ACCOUNT.username.slice(4);
const content = (amount: string) =>
  Buffer.from(`<Invoice><cbc:PayableAmount>${amount}</cbc:PayableAmount></Invoice>`).toString(
    'base64',
  );

let standIn: SendfactStandIn;
let token: string;
beforeAll(async () => {
  standIn = await startSendfactStandIn();
  const res = await fetch(`${standIn.url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(STAND_IN_DEFAULT_ACCOUNT),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(() => standIn.close());

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${standIn.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectOnlyListed(body: Record<string, unknown>, fields: readonly string[]): void {
  expect(Object.keys(body).filter((key) => !fields.includes(key))).toEqual([]);
}

function expectErrorShape(answer: { status: number; body: Record<string, unknown> }): void {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expectOnlyListed(answer.body, FIELDS.error);
  // Read as the service reads it, and nothing lost on the way: errors as sent, is_rejected a boolean.
  const read = parseErrorBody(answer.body);
  expect(read.errors).toEqual(answer.body['errors']);
  expect(read.errors.length).toBeGreaterThan(0);
  expect(typeof answer.body['is_rejected']).toBe('boolean');
  expect(read).toEqual(answer.body);
}

describe("the stand-in's document answers, read with SendfactCpeService's parsers", () => {
  it('POST /api/cpe/sign: 200, and 400 for a bad file name, bad content or a bad body, 403 for another RUC', async () => {
    const ok = await call('POST', '/api/cpe/sign', {
      file_name: `${RUC}-01-F001-1`,
      file_content: content('1.00'),
    });
    expect(ok.status).toBe(200);
    expectOnlyListed(ok.body, FIELDS.sign);
    expect(parseSignResponse(ok.body)).toEqual({ ok: true, value: ok.body });

    for (const body of [
      { file_name: 'oops', file_content: content('1.00') },
      { file_name: `${RUC}-01-F001-1`, file_content: '' },
      { file_name: `${RUC}-01-F001-1`, file_content: Buffer.from('plain').toString('base64') },
      'not an object',
    ])
      expectErrorShape(await call('POST', '/api/cpe/sign', body));
    expectErrorShape(
      await call('POST', '/api/cpe/sign', {
        file_name: '20100070970-01-F001-1',
        file_content: content('1'),
      }),
    );
  });

  it('POST /api/cpe/send: 200 accepted, 400 rejected (is_rejected true), 400 for a bad request', async () => {
    const ok = await call('POST', '/api/cpe/send', {
      file_name: `${RUC}-01-F001-2`,
      file_content: content('1.00'),
    });
    expect(ok.status).toBe(200);
    expectOnlyListed(ok.body, FIELDS.send);
    expect(parseSendResponse(ok.body)).toEqual({ ok: true, value: ok.body });

    const rejected = await call('POST', '/api/cpe/send', {
      file_name: `${RUC}-01-F001-3`,
      file_content: content('-1.00'),
    });
    expectErrorShape(rejected);
    expect(parseErrorBody(rejected.body).is_rejected).toBe(true);
    expectErrorShape(await call('POST', '/api/cpe/send', { file_name: 'oops' }));
  });

  it('GET /api/cpe/{file_name}/status: 200 accepted and rejected, 404 unknown, 400 bad name, 403 another RUC', async () => {
    for (const [n, expected] of [
      [2, { document_status: 1, is_rejected: false }],
      [3, { document_status: 0, is_rejected: true }],
    ] as const) {
      const answer = await call('GET', `/api/cpe/${RUC}-01-F001-${n}/status`);
      expect(answer.status).toBe(200);
      expectOnlyListed(answer.body, FIELDS.status);
      const read = parseStatusResponse(answer.body);
      expect(read).toEqual({ ok: true, value: answer.body });
      expect(answer.body).toMatchObject(expected);
    }
    expectErrorShape(await call('GET', `/api/cpe/${RUC}-01-F001-99/status`));
    expectErrorShape(await call('GET', '/api/cpe/oops/status'));
    expectErrorShape(await call('GET', '/api/cpe/20100070970-01-F001-1/status'));
  });
});
