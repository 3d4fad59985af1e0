import { SendfactTokenResponseError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { parseTokenResponse } from '../../lib/client/token-response.parser.js';
import { parseRetryAfter } from '../../lib/client/retry-after.js';

const NOW = Date.UTC(2026, 10, 29, 12);
const jwt = (claims: object) =>
  ['{"alg":"HS256","typ":"JWT"}', JSON.stringify(claims), 'sig']
    .map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part))
    .join('.');
function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
const body = (fields: object) => JSON.stringify({ token_type: 'JWT', ...fields });

describe('parseTokenResponse', () => {
  it('reads Sendfact\'s answer: expires_in as a string of seconds, token_type "JWT"', () => {
    expect(parseTokenResponse(body({ access_token: 'a.b.c', expires_in: '120' }), NOW)).toEqual({
      accessToken: 'a.b.c',
      lifetimeMs: 120_000,
      lifetimeSource: 'expires_in',
    });
  });

  it('accepts expires_in as a number too', () => {
    expect(
      parseTokenResponse(body({ access_token: 'a.b.c', expires_in: 90 }), NOW).lifetimeMs,
    ).toBe(90_000);
  });

  it('falls back to the JWT exp claim, as exp - iat when iat is there', () => {
    const iat = NOW / 1000 - 3_600; // our clock is an hour off Sendfact's: exp - iat is still right
    const parsed = parseTokenResponse(body({ access_token: jwt({ iat, exp: iat + 120 }) }), NOW);
    expect(parsed).toMatchObject({ lifetimeMs: 120_000, lifetimeSource: 'jwt' });
  });

  it('falls back to exp against our clock when there is no iat', () => {
    const parsed = parseTokenResponse(body({ access_token: jwt({ exp: NOW / 1000 + 100 }) }), NOW);
    expect(parsed.lifetimeMs).toBe(100_000);
  });

  it.each([
    ['abc', /expires_in is not a number/],
    ['0', /expires_in is zero or negative/],
    ['-5', /expires_in is zero or negative/],
    ['1e309', /expires_in is not finite/],
    [true, /expires_in is a boolean/],
  ])('refuses expires_in %j with a typed error', (expiresIn, message) => {
    const parse = () =>
      parseTokenResponse(body({ access_token: 'a.b.c', expires_in: expiresIn }), NOW);
    expect(parse).toThrow(SendfactTokenResponseError);
    expect(parse).toThrow(message);
  });

  it.each([
    ['<html><body>Bad gateway</body></html>', /not JSON \(looks like HTML/],
    ['', /not JSON \(empty\)/],
    ['[]', /not a JSON object/],
    ['{}', /access_token is missing/],
    [body({ access_token: 42, expires_in: '120' }), /access_token is a number/],
    [body({ access_token: '', expires_in: '120' }), /access_token is empty/],
    [body({ access_token: 'a b\nc', expires_in: '120' }), /characters a header cannot carry/],
    [
      body({ access_token: 'opaque' }),
      /expires_in is missing and the token has no readable JWT exp/,
    ],
    [body({ access_token: jwt({ exp: NOW / 1000 - 10 }) }), /exp claim is already past/],
  ])('refuses a malformed 200 body %#', (text, message) => {
    expect(() => parseTokenResponse(text, NOW)).toThrow(message);
  });

  it('never quotes the body or the token in its errors', () => {
    const secretish = 'eyJsecret.payload.signature';
    for (const text of [
      `<p>${secretish}</p>`,
      body({ access_token: secretish, expires_in: 'x' }),
    ]) {
      const error = captureError(() => parseTokenResponse(text, NOW));
      expect(error).toBeInstanceOf(SendfactTokenResponseError);
      expect(error.message).not.toContain(secretish);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7_000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});
