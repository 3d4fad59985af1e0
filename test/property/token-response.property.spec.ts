import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SendfactTokenResponseError } from 'nestjs-sendfact-auth';
import { parseTokenResponse } from '../../lib/client/token-response.parser.js';

const WALL = Date.UTC(2030, 0, 1);
/** The longest lifetime accepted: a day (Sendfact's tokens live 120 s). */
const DAY_S = 86_400;
const headerSafeToken = fc.stringMatching(/^[\x21-\x7e]{1,200}$/);

/** Parses, and checks the one rule for any input: a usable answer or a SendfactTokenResponseError. */
function parseOrTypedError(body: string) {
  try {
    const parsed = parseTokenResponse(body, WALL);
    expect(typeof parsed.accessToken).toBe('string');
    expect(parsed.accessToken.length).toBeGreaterThan(0);
    expect(parsed.lifetimeMs > 0 && parsed.lifetimeMs <= DAY_S * 1000).toBe(true);
    return parsed;
  } catch (error) {
    expect(error).toBeInstanceOf(SendfactTokenResponseError);
    return undefined;
  }
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwtWith(claims: Record<string, unknown>): string {
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('token response parser, for any input', () => {
  it('turns any string body into a usable answer or a SendfactTokenResponseError, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (body) => {
        parseOrTypedError(body);
      }),
      {
        numRuns: 2_000,
      },
    );
  });

  it('turns any JSON body into a usable answer or a SendfactTokenResponseError, never another exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseOrTypedError(JSON.stringify(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('turns any shape of access_token and expires_in into a usable answer or a SendfactTokenResponseError', () => {
    const anything = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.constant(undefined),
      fc.constantFrom('0', '-5', 'abc', '1e309', 'NaN', 'Infinity', ' 120 ', '120s', ''),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.oneof(headerSafeToken, anything), anything, (accessToken, expiresIn) => {
        const parsed = parseOrTypedError(
          JSON.stringify({ access_token: accessToken, token_type: 'JWT', expires_in: expiresIn }),
        );
        if (parsed !== undefined) expect(parsed.accessToken).toBe(accessToken);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('token response parser, JWT claims', () => {
  it('turns any exp and iat claims (expires_in missing) into a usable answer or a SendfactTokenResponseError', () => {
    const claim = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constant(undefined),
      fc.string(),
      fc.constantFrom(1e308, -1e308, Number.MAX_VALUE),
    );
    fc.assert(
      fc.property(claim, claim, fc.integer({ min: 0, max: 2 ** 42 }), (exp, iat, wall) => {
        const token = jwtWith({ sub: 'USER20515809822', exp, iat });
        try {
          const parsed = parseTokenResponse(JSON.stringify({ access_token: token }), wall);
          expect(parsed.lifetimeMs > 0 && parsed.lifetimeMs <= DAY_S * 1000).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(SendfactTokenResponseError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('token response parser, valid lifetimes', () => {
  it('round-trips any positive expires_in up to a day, as a string or a number, into milliseconds', () => {
    fc.assert(
      fc.property(
        headerSafeToken,
        fc.double({ min: Number.MIN_VALUE, max: DAY_S, noNaN: true }),
        fc.boolean(),
        (token, seconds, asString) => {
          const body = JSON.stringify({
            access_token: token,
            expires_in: asString ? String(seconds) : seconds,
          });
          const parsed = parseTokenResponse(body, WALL);
          expect(parsed.lifetimeMs).toBe(seconds * 1000);
          expect(parsed.lifetimeSource).toBe('expires_in');
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('round-trips whole seconds written as Sendfact does ("120") into milliseconds', () => {
    fc.assert(
      fc.property(headerSafeToken, fc.integer({ min: 1, max: DAY_S }), (token, seconds) => {
        const parsed = parseTokenResponse(
          JSON.stringify({ access_token: token, token_type: 'JWT', expires_in: String(seconds) }),
          WALL,
        );
        expect(parsed.lifetimeMs).toBe(seconds * 1000);
      }),
    );
  });

  it('takes exp - iat from the JWT when expires_in is missing, whatever our wall clock says', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 1, max: DAY_S }),
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
        (iat, lifetime, skewMs) => {
          const token = jwtWith({ sub: 'USER20515809822', iat, exp: iat + lifetime });
          const parsed = parseTokenResponse(JSON.stringify({ access_token: token }), WALL + skewMs);
          expect(parsed.lifetimeMs).toBe(lifetime * 1000);
          expect(parsed.lifetimeSource).toBe('jwt');
        },
      ),
    );
  });
});

function expectTypedError(body: string): void {
  expect(() => parseTokenResponse(body, WALL)).toThrow(SendfactTokenResponseError);
}

describe('token response parser, lifetimes out of bounds', () => {
  it('refuses any expires_in over a day or not above zero (1e13 s included) with a SendfactTokenResponseError', () => {
    const outOfBounds = fc.oneof(
      fc.double({ min: DAY_S, max: 1e300, noNaN: true, minExcluded: true }),
      fc.double({ min: -1e300, max: 0, noNaN: true }),
      fc.constantFrom(1e13, DAY_S + 0.001, 0, -0),
    );
    fc.assert(
      fc.property(headerSafeToken, outOfBounds, fc.boolean(), (token, seconds, asString) => {
        expectTypedError(
          JSON.stringify({ access_token: token, expires_in: asString ? String(seconds) : seconds }),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a JWT whose exp - iat, or exp against our clock, is more than a day away', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: DAY_S + 1, max: 2 ** 40 }),
        fc.boolean(),
        (iat, lifetime, withIat) => {
          const wallS = Math.floor(WALL / 1000);
          const claims = withIat ? { iat, exp: iat + lifetime } : { exp: wallS + lifetime };
          expectTypedError(JSON.stringify({ access_token: jwtWith(claims) }));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
