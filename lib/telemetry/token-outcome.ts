import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from '../sendfact-auth.errors.js';

/** How one token request ended, as a low-cardinality metric attribute. */
export type TokenOutcome = 'ok' | 'credentials' | 'transient' | 'malformed' | 'other';

/**
 * The outcome of a failed token request: Sendfact refused the login, the request failed on the way (network,
 * time-out, an HTTP status other than a refusal), or the answer was not a usable token. `other` is what
 * happens before any request (a credentials resolver that threw, an abort).
 */
export function outcomeOf(error: unknown): TokenOutcome {
  if (error instanceof SendfactCredentialsError) return 'credentials';
  if (error instanceof SendfactTokenRequestError) return 'transient';
  if (error instanceof SendfactTokenResponseError) return 'malformed';
  return 'other';
}
