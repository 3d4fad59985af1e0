import { MAX_TOKEN_LIFETIME_MS } from '../engine/refresh-policy.js';
import { SendfactTokenResponseError } from '../sendfact-auth.errors.js';

/** A token response reduced to what the engine needs. */
export interface ParsedTokenResponse {
  accessToken: string;
  lifetimeMs: number;
  /** Where the lifetime came from. */
  lifetimeSource: 'expires_in' | 'jwt';
}

/** Tokens are sent in a header: refuse what cannot be one (and what would bloat every request). */
const MAX_TOKEN_LENGTH = 16 * 1024;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * Reads the body of a 200 from `/api/auth/token`. `expires_in` is a string in Sendfact's answers ("120");
 * a number is accepted too. Without it, the JWT's claims give the lifetime: `exp - iat` when both are there
 * (immune to clock skew between us and Sendfact), else `exp` against our wall clock. A lifetime of zero or less,
 * or over a day ({@link MAX_TOKEN_LIFETIME_MS}; Sendfact's is 120 s), is refused: it would void every date
 * and timer derived from it.
 */
export function parseTokenResponse(
  body: string,
  wallNow: number,
  accountId?: string,
): ParsedTokenResponse {
  const fail = (problem: string): never => {
    throw new SendfactTokenResponseError(problem, accountId === undefined ? {} : { accountId });
  };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return fail(`the body is not JSON (${describeBody(body)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return fail('the body is not a JSON object');
  }
  const { access_token: accessToken, expires_in: expiresIn } = json as Record<string, unknown>;
  if (accessToken === undefined) return fail('access_token is missing');
  if (typeof accessToken !== 'string')
    return fail(`access_token is a ${typeOf(accessToken)}, not a string`);
  if (accessToken.length === 0) return fail('access_token is empty');
  if (accessToken.length > MAX_TOKEN_LENGTH)
    return fail(`access_token is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!TOKEN_CHARS.test(accessToken))
    return fail('access_token has characters a header cannot carry');

  if (expiresIn !== undefined && expiresIn !== null && expiresIn !== '') {
    const seconds = parseSeconds(expiresIn);
    if (typeof seconds === 'string') return fail(`expires_in ${seconds}`);
    return { accessToken, lifetimeMs: seconds * 1000, lifetimeSource: 'expires_in' };
  }
  const claims = jwtClaims(accessToken);
  if (claims === undefined || typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    return fail('expires_in is missing and the token has no readable JWT exp claim');
  }
  const lifetimeMs =
    typeof claims.iat === 'number' && Number.isFinite(claims.iat)
      ? (claims.exp - claims.iat) * 1000
      : claims.exp * 1000 - wallNow;
  if (!(lifetimeMs > 0)) return fail('expires_in is missing and the JWT exp claim is already past');
  if (!(lifetimeMs <= MAX_TOKEN_LIFETIME_MS))
    return fail('expires_in is missing and the JWT exp claim is more than a day away');
  return { accessToken, lifetimeMs, lifetimeSource: 'jwt' };
}

/** Seconds from `expires_in`, or a phrase saying why not. */
function parseSeconds(value: unknown): number | string {
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string') {
    if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value))
      return 'is not a number of seconds';
    seconds = Number(value);
  } else return `is a ${typeOf(value)}, not a string or number`;
  if (!Number.isFinite(seconds)) return 'is not finite';
  if (seconds <= 0) return 'is zero or negative';
  if (seconds * 1000 > MAX_TOKEN_LIFETIME_MS) return 'is more than a day';
  return seconds;
}

/** The payload of a JWT, without verifying it (we are its bearer, not its audience). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object'
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Says what a non-JSON body looks like without quoting it (it could echo anything back). */
function describeBody(body: string): string {
  if (body.length === 0) return 'empty';
  if (/^\s*</.test(body)) return `looks like HTML or XML, ${body.length} characters`;
  return `${body.length} characters`;
}

/**
 * Why a token read back from a token store could not be one that came from the token endpoint (the checks
 * of a token response: header-safe characters, at most 16 KB, a lifetime above zero and at most a day), or
 * `undefined` when it could.
 */
export function storedTokenProblem(accessToken: unknown, lifetimeMs: unknown): string | undefined {
  if (typeof accessToken !== 'string' || accessToken.length === 0) return 'no token';
  if (accessToken.length > MAX_TOKEN_LENGTH)
    return `a token longer than ${MAX_TOKEN_LENGTH} characters`;
  if (!TOKEN_CHARS.test(accessToken)) return 'a token with characters a header cannot carry';
  if (typeof lifetimeMs !== 'number' || !Number.isFinite(lifetimeMs) || lifetimeMs <= 0)
    return 'a lifetime that is not a positive number';
  if (lifetimeMs > MAX_TOKEN_LIFETIME_MS) return 'a lifetime over a day';
  return undefined;
}
