/**
 * The errors this package throws. Every one is a {@link SendfactAuthError}; none carries a password,
 * a token or a raw HTTP exchange (which would hold both), so they are safe to log and to inspect.
 */

/** What went wrong, as a stable string for `switch` statements and metrics labels. */
export type SendfactAuthErrorCode =
  | 'CONFIG'
  | 'CREDENTIALS'
  | 'TOKEN_REQUEST'
  | 'TOKEN_RESPONSE'
  | 'ABORTED'
  | 'CLOSED'
  | 'UNKNOWN_ACCOUNT'
  | 'API'
  | 'TOKEN_REJECTED'
  | 'TOO_MANY_ACCOUNTS';

interface SendfactAuthErrorOptions {
  cause?: unknown;
  accountId?: string;
}

/** Base class of every error of this package. */
export class SendfactAuthError extends Error {
  override readonly name: string = 'SendfactAuthError';
  readonly code: SendfactAuthErrorCode = 'TOKEN_REQUEST';
  /** The account whose token was asked for, when one was. */
  readonly accountId?: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options: SendfactAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: safeCause(options.cause) });
    if (options.accountId !== undefined) this.accountId = options.accountId;
  }
}

/** The module's configuration is missing or malformed. Thrown while the application boots. */
export class SendfactConfigError extends SendfactAuthError {
  override readonly name = 'SendfactConfigError';
  override readonly code = 'CONFIG';
  /** One line per problem, each naming the variable or option, never its value. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid Sendfact configuration: ${problems.join('; ')}`);
    this.problems = [...problems];
  }
}

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

/** The caller's `AbortSignal` fired while it waited for a token. Other callers are not affected. */
export class SendfactAbortedError extends SendfactAuthError {
  override readonly name = 'SendfactAbortedError';
  override readonly code = 'ABORTED';

  constructor(options: SendfactAuthErrorOptions = {}) {
    super(
      `The wait for a Sendfact token was aborted by the caller${forAccount(options.accountId)}`,
      options,
    );
  }
}

/** The module was shut down (`app.close()`) while a token was being obtained, or used after it. */
export class SendfactAuthClosedError extends SendfactAuthError {
  override readonly name = 'SendfactAuthClosedError';
  override readonly code = 'CLOSED';

  constructor(options: SendfactAuthErrorOptions = {}) {
    super(`The Sendfact auth module is shut down${forAccount(options.accountId)}`, options);
  }
}

/** A call named an account that is neither configured nor known to the credentials resolver. */
export class SendfactUnknownAccountError extends SendfactAuthError {
  override readonly name = 'SendfactUnknownAccountError';
  override readonly code = 'UNKNOWN_ACCOUNT';

  constructor(accountId: string | undefined) {
    super(
      accountId === undefined
        ? 'No default Sendfact account: name an account, or set SENDFACT_USERNAME/SENDFACT_PASSWORD or defaultAccount'
        : `No Sendfact account "${accountId}": add it to accounts (or SENDFACT_ACCOUNT_<ID>_*), or let the credentialsResolver know it`,
      accountId === undefined ? {} : { accountId },
    );
  }
}

/**
 * Why a {@link SendfactApiError} was thrown:
 * - `error-status`: Sendfact answered a non-2xx status (see `status`, `errors`, `is_rejected`);
 * - `no-answer`: no answer came (network fault, time-out);
 * - `unreadable-answer`: a 2xx answer lacked a field the call needs;
 * - `not-sent`: the arguments were unusable, so nothing was sent.
 */
export type SendfactApiErrorReason =
  'error-status' | 'no-answer' | 'unreadable-answer' | 'not-sent';

/** What a {@link SendfactApiError} is built from (to build one in your own tests, for example). */
export interface SendfactApiErrorDetails extends SendfactAuthErrorOptions {
  /** `GET`, `POST`, ... */
  method: string;
  /** The path called, without query, e.g. `/api/cpe/send`. */
  path: string;
  /** HTTP status of Sendfact's answer; absent when none came, or nothing was sent. */
  status?: number;
  /** Sendfact's `errors`. */
  errors?: readonly string[];
  /** Sendfact's `is_rejected`. */
  is_rejected?: boolean;
  /** Sendfact's `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** For a 2xx answer that could not be read: which field was wrong (never its value). */
  unreadable?: string;
  /** For a call not sent: what was wrong with its arguments. */
  notSent?: string;
}

/**
 * A Sendfact API call (`SendfactCpeService`) failed: a non-2xx answer (`status`, with Sendfact's `errors` and
 * `is_rejected`), no answer at all, a 2xx answer without the fields the call needs, or arguments it could
 * not send (`reason` tells which). Retryable for no answer, 408, 429 and 5xx. Holds nothing of the request:
 * no header, no token, no body.
 */
export class SendfactApiError extends SendfactAuthError {
  override readonly name = 'SendfactApiError';
  override readonly code = 'API';
  override readonly retryable: boolean;
  /** Why the call failed. */
  readonly reason: SendfactApiErrorReason;
  /** `GET`, `POST`, ... */
  readonly method: string;
  /** The path called, without query, e.g. `/api/cpe/send`. */
  readonly path: string;
  /** HTTP status of Sendfact's answer; absent when none came. */
  readonly status?: number;
  /** Sendfact's and SUNAT's problems, each `<code> - <text>` (empty when the answer had none). */
  readonly errors: readonly string[];
  /** Whether Sendfact said SUNAT rejected the document (its `is_rejected`; named as in its body). */
  readonly is_rejected: boolean;
  /** How long Sendfact asked us to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(details: SendfactApiErrorDetails) {
    const reason: SendfactApiErrorReason =
      details.notSent !== undefined
        ? 'not-sent'
        : details.unreadable !== undefined
          ? 'unreadable-answer'
          : details.status === undefined
            ? 'no-answer'
            : 'error-status';
    super(apiErrorMessage(reason, details), details);
    this.reason = reason;
    this.method = details.method;
    this.path = details.path;
    if (details.status !== undefined) this.status = details.status;
    this.errors = Object.freeze([...(details.errors ?? [])]);
    this.is_rejected = details.is_rejected ?? false;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    const status = details.status ?? 0;
    this.retryable =
      reason === 'no-answer' ||
      (reason === 'error-status' && (status === 408 || status === 429 || status >= 500));
  }
}

function apiErrorMessage(reason: SendfactApiErrorReason, details: SendfactApiErrorDetails): string {
  const call = `${details.method} ${details.path}${forAccount(details.accountId)}`;
  switch (reason) {
    case 'not-sent':
      return `${call} was not sent: ${details.notSent}`;
    case 'unreadable-answer':
      return `Sendfact's answer to ${call} was not understood: ${details.unreadable}`;
    case 'no-answer':
      return `Sendfact did not answer ${call}${details.cause instanceof Error ? `: ${details.cause.message}` : ''}`;
    case 'error-status': {
      const errors = (details.errors ?? []).join('; ');
      const said =
        errors === '' ? '' : `: ${errors.length > 500 ? `${errors.slice(0, 500)}…` : errors}`;
      return `Sendfact answered HTTP ${details.status} to ${call}${said}`;
    }
  }
}

/**
 * The Sendfact API refused fresh tokens (HTTP 401), twice in a row: the token that replaced a refused one was
 * refused too, before its refresh point. Fetching yet another token for every request would only cost a token
 * request per API request, so for `retryAfterMs` (the `refresh.tokenRejectedCooldownMs` option, default 5 s)
 * callers of this account get this error at once instead. Code `TOKEN_REJECTED`; `retryable` is true: after
 * that period the next call fetches a new token. Usually the account lacks access to the API, or the base URL
 * points at another Sendfact environment than the one that issued the token.
 */
export class SendfactTokenRejectedError extends SendfactAuthError {
  override readonly name = 'SendfactTokenRejectedError';
  override readonly code = 'TOKEN_REJECTED';
  override readonly retryable = true;
  /** How long from the refusal no new token is requested for this account, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, options: SendfactAuthErrorOptions = {}) {
    super(
      `The Sendfact API refused fresh tokens${forAccount(options.accountId)} (HTTP 401 twice in a row); ` +
        `no new token is requested for ${Math.round(retryAfterMs)} ms. Check that the account may use the API ` +
        'and that the base URL is the environment that issued the token.',
      options,
    );
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A call named an account that would be one more than `maxAccounts`, and no account held could make room:
 * every one has a token request under way. Code `TOO_MANY_ACCOUNTS`; `retryable` is true: room is made as
 * those token requests end. Raise `maxAccounts` if this happens under normal load.
 */
export class SendfactTooManyAccountsError extends SendfactAuthError {
  override readonly name = 'SendfactTooManyAccountsError';
  override readonly code = 'TOO_MANY_ACCOUNTS';
  override readonly retryable = true;
  /** The `maxAccounts` limit that was reached. */
  readonly maxAccounts: number;

  constructor(maxAccounts: number, options: SendfactAuthErrorOptions = {}) {
    super(
      `Cannot take on Sendfact account${options.accountId === undefined ? '' : ` "${options.accountId}"`}: ` +
        `all ${maxAccounts} accounts held (maxAccounts) have a token request under way. Try again shortly, ` +
        'or raise maxAccounts.',
      options,
    );
    this.maxAccounts = maxAccounts;
  }
}

function forAccount(accountId: string | undefined): string {
  return accountId === undefined || accountId === 'default' ? '' : ` for account "${accountId}"`;
}

/**
 * An underlying error, reduced to what is safe to keep. An AxiosError holds the request config, whose
 * body is `{username, password}`, and the response, which may hold a token: neither may be kept.
 */
function safeCause(cause: unknown): unknown {
  if (cause instanceof SendfactAuthError) return cause;
  if (!(cause instanceof Error)) return new Error(String(cause));
  const safe = new Error(cause.message);
  safe.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
  safe.stack = `${safe.name}: ${safe.message}`;
  return safe;
}
