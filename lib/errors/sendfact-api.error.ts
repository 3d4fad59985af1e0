import {
  SendfactAuthError,
  type SendfactAuthErrorOptions,
  forAccount,
} from './sendfact-auth.error.js';

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
