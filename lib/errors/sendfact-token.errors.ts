/** Errors of getting a token: refused credentials, a failed request, an unusable answer, refused tokens. */
import {
  SendfactAuthError,
  type SendfactAuthErrorOptions,
  forAccount,
} from './sendfact-auth.error.js';

/** Sendfact refused the username or password (HTTP 400, 401 or 403 from the token endpoint). Not retried. */
export class SendfactCredentialsError extends SendfactAuthError {
  override readonly name = 'SendfactCredentialsError';
  override readonly code = 'CREDENTIALS';
  readonly status: number;

  constructor(status: number, options: SendfactAuthErrorOptions = {}) {
    super(
      `Sendfact rejected the credentials${forAccount(options.accountId)} (HTTP ${status} from /api/auth/token). ` +
        'Check SENDFACT_USERNAME and SENDFACT_PASSWORD (or the account configuration).',
      options,
    );
    this.status = status;
  }
}

/**
 * The token request failed on the way: network fault, time-out, HTTP 408, 429 or 5xx (retryable), or an
 * unexpected status such as 404 (not retryable: usually a wrong base URL). Thrown once the retries are spent.
 */
export class SendfactTokenRequestError extends SendfactAuthError {
  override readonly name = 'SendfactTokenRequestError';
  override readonly code = 'TOKEN_REQUEST';
  override readonly retryable: boolean;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status?: number;
  /** How long the server asked us to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** How many token requests this failure took. */
  attempts = 1;

  constructor(
    message: string,
    details: SendfactAuthErrorOptions & {
      status?: number;
      retryable: boolean;
      retryAfterMs?: number;
    },
  ) {
    super(message, details);
    this.retryable = details.retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** The token endpoint answered 200 with a body that is not a usable token response. */
export class SendfactTokenResponseError extends SendfactAuthError {
  override readonly name = 'SendfactTokenResponseError';
  override readonly code = 'TOKEN_RESPONSE';

  constructor(problem: string, options: SendfactAuthErrorOptions = {}) {
    super(
      `Sendfact's token response was unusable${forAccount(options.accountId)}: ${problem}`,
      options,
    );
  }
}

/**
 * The Sendfact API refuses the tokens its endpoint issues: after each was replaced by a token fresh from the
 * endpoint, two or more paths answered 401 again, and no request of the account was accepted since. Thrown by
 * `SendfactCpeService` for such a 401 (the raw clients hand back the 401 itself), after the request was sent.
 * Those paths cost no further token request for `retryAfterMs` (the `refresh.tokenRejectedCooldownMs` option,
 * default 5 s). Code `TOKEN_REJECTED`; `retryable` is true. Usually the account lacks access to the API, or the
 * base URL points at another Sendfact environment than the one that issued the token.
 */
export class SendfactTokenRejectedError extends SendfactAuthError {
  override readonly name = 'SendfactTokenRejectedError';
  override readonly code = 'TOKEN_REJECTED';
  override readonly retryable = true;
  /** How long from now the paths that refused fresh tokens cost no new token request, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, options: SendfactAuthErrorOptions = {}) {
    super(
      `The Sendfact API refused fresh tokens${forAccount(options.accountId)} (HTTP 401 on every path tried ` +
        `with a token just issued by its endpoint); those paths cost no new token request for ` +
        `${Math.round(retryAfterMs)} ms. Check that the account may use the API and that the base URL is the ` +
        'environment that issued the token.',
      options,
    );
    this.retryAfterMs = retryAfterMs;
  }
}
