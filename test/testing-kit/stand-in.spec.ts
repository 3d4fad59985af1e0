import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwtClaims } from '../support/jwt.js';

let standIn: SendfactStandIn;
beforeEach(async () => {
  standIn = await startSendfactStandIn({ tokenLifetimeSeconds: 1 });
});
afterEach(() => standIn.close());

const post = (path: string, body: unknown, token?: string, contentType = 'application/json') =>
  fetch(`${standIn.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const login = async () =>
  (
    (await (await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT)).json()) as {
      access_token: string;
    }
  ).access_token;
const doc = {
  file_name: '20515809822-01-F001-1',
  file_content: Buffer.from('<Invoice/>').toString('base64'),
};

describe('the Sendfact stand-in', () => {
  it('issues real HS256 JWTs with iat/exp and expires_in as a string', async () => {
    const res = await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT);
    const body = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'JWT', expires_in: '1' });
    const [header] = body['access_token']!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = jwtClaims(body['access_token']!);
    expect(claims).toMatchObject({ sub: STAND_IN_DEFAULT_ACCOUNT.username });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(1);
  });

  it('refuses wrong credentials (401) and malformed logins (400)', async () => {
    expect(
      (await post('/api/auth/token', { ...STAND_IN_DEFAULT_ACCOUNT, password: 'nope' })).status,
    ).toBe(401);
    expect((await post('/api/auth/token', { username: 'x' })).status).toBe(400);
    expect(
      (await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT, undefined, 'text/plain')).status,
    ).toBe(400);
    expect(standIn.stats).toMatchObject({
      tokenRequests: 3,
      tokensIssued: 0,
      tokenRequestsRejected: 3,
    });
  });

  it('answers 401 for a missing, malformed, forged, revoked or expired token', async () => {
    // Tokens that outlive any stall of the machine, but the one that is meant to expire.
    standIn.tokenLifetimeSeconds = 60;
    expect((await post('/api/cpe/sign', doc)).status).toBe(401);
    expect((await post('/api/cpe/sign', doc, 'not-a-jwt')).status).toBe(401);
    const token = await login();
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await post('/api/cpe/sign', doc, forged)).status).toBe(401);
    expect((await post('/api/cpe/sign', doc, token)).status).toBe(200);
    standIn.revokeTokens();
    expect((await post('/api/cpe/sign', doc, token)).status).toBe(401);
    const fresh = await login();
    expect((await post('/api/cpe/sign', doc, fresh)).status).toBe(200);
    standIn.tokenLifetimeSeconds = 1;
    const brief = await login();
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await post('/api/cpe/sign', doc, brief)).status).toBe(401);
    expect(standIn.stats.unauthorized).toEqual({
      missing: 1,
      malformed: 2,
      revoked: 1,
      expired: 1,
      refused: 0,
    });
    expect(standIn.log.filter((e) => e.path === '/api/cpe/sign').map((e) => e.auth)).toEqual([
      'missing',
      'malformed',
      'malformed',
      'ok',
      'revoked',
      'ok',
      'expired',
    ]);
  });

  it('signs, sends and reports status with the shapes seen from Sendfact, 400 with errors for a bad body', async () => {
    const token = await login();
    const signed = (await (await post('/api/cpe/sign', doc, token)).json()) as Record<
      string,
      string
    >;
    expect(signed).toMatchObject({ message: expect.any(String), hash_code: expect.any(String) });
    expect(Buffer.from(signed['xml']!, 'base64').toString()).toContain('<ds:Signature');
    const sent = (await (
      await post('/api/cpe/send', { ...doc, file_content: signed['xml'] }, token)
    ).json()) as Record<string, unknown>;
    expect(sent).toMatchObject({
      message: 'La Factura numero F001-1, ha sido aceptada',
      observations: [],
      errors: [],
    });
    const status = await fetch(`${standIn.url}/api/cpe/${doc.file_name}/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await status.json()).toMatchObject({
      document_status: 1,
      is_rejected: false,
      cdr: expect.any(String),
    });
    const bad = await post('/api/cpe/send', { file_name: 'oops' }, token);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errors: [expect.stringMatching(/^0151 - /)],
      is_rejected: false,
      status: 400,
    });
    const otherCompany = await post(
      '/api/cpe/send',
      { ...doc, file_name: '20100070970-01-F001-1' },
      token,
    );
    expect(otherCompany.status).toBe(403);
  });

  it('misbehaves on request: status with headers, a malformed body, a delay', async () => {
    standIn.failNextTokenRequests(1, {
      type: 'status',
      status: 429,
      headers: { 'retry-after': '3' },
    });
    standIn.failNextTokenRequests(1, {
      type: 'body',
      body: '<html>oops</html>',
      contentType: 'text/html',
    });
    standIn.failNextTokenRequests(1, { type: 'delay', ms: 50 });
    const limited = await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect(await (await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT)).text()).toBe(
      '<html>oops</html>',
    );
    const delayed = await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT);
    expect(delayed.status).toBe(200);
    expect(standIn.stats.tokensIssued).toBe(1);
  });

  it('drops the connection before or after the headers on request', async () => {
    standIn.failNextTokenRequests(1, { type: 'reset-before-headers' });
    await expect(post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT)).rejects.toThrow('fetch failed');
    standIn.failNextTokenRequests(1, { type: 'reset-after-headers' });
    const res = await post('/api/auth/token', STAND_IN_DEFAULT_ACCOUNT);
    await expect(res.text()).rejects.toThrow('terminated');
  });
});
