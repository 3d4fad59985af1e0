/**
 * The root of the package's error family, and what every member shares: the options they take, the account
 * named in messages, and the reduction of a cause to what is safe to keep.
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
  | 'TOO_MANY_ACCOUNTS'
  | 'CREDENTIALS_RESOLVER';

/** What every error of this package may carry besides its message. */
export interface SendfactAuthErrorOptions {
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

/** ` for account "<id>"` for a message; nothing for the default account, the common case, which needs no name. */
export function forAccount(accountId: string | undefined): string {
  return accountId === undefined || accountId === 'default'
    ? ''
    : ` for account ${quoted(accountId)}`;
}

/** How long a quoted id or name may run in a message or a log line before it is cut. */
const QUOTED_MAX = 80;

/**
 * `text` in double quotes, safe in a message or a log line whatever it holds: control characters, quotes,
 * backslashes and line separators escaped as in JSON (an id with a CR/LF cannot forge a log line), and cut
 * past 80 characters (an id of 128 KiB does not become a log line of 128 KiB).
 */
export function quoted(text: string): string {
  const cut = text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}…` : text;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
