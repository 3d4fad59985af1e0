import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpStatus,
  Logger,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SENDFACT_LOGGER_CONTEXT } from '../sendfact-auth.constants.js';
import {
  SendfactAbortedError,
  SendfactApiError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactConfigError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  SendfactUnknownAccountError,
} from '../sendfact-auth.errors.js';

/** `Retry-After` when the error does not say how long to wait, in seconds. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** The longest `Retry-After` passed on: a caller should not be told to go away for hours. */
const MAX_RETRY_AFTER_SECONDS = 300;

/** What {@link SendfactExceptionFilter} answers for an error. */
export interface SendfactHttpAnswer {
  /** The HTTP status. */
  status: number;
  /** Seconds for the `Retry-After` header, on 503 answers. */
  retryAfterSeconds?: number;
  /** The JSON body: `statusCode`, `error`, `message`, and for a rejected document `errors` and `is_rejected`. */
  body: {
    statusCode: number;
    error: string;
    message: string;
    errors?: readonly string[];
    is_rejected?: boolean;
  };
}

/**
 * Turns this package's errors into HTTP answers (opt in: `@UseFilters(SendfactExceptionFilter)`, or
 * `{ provide: APP_FILTER, useClass: SendfactExceptionFilter }`). Bodies carry a fixed sentence per case,
 * plus Sendfact's `errors` when it rejected a document; never an error's own message, which may name
 * configuration. That message is logged instead, once, as a warning.
 *
 * | error | HTTP |
 * |---|---|
 * | `SendfactUnknownAccountError` | 404 |
 * | `SendfactApiError`, Sendfact answered 404 (no such document) | 404 with `errors` |
 * | `SendfactApiError`, Sendfact answered another 4xx but 401, 408, 429 (document rejected) | 422 with `errors`, `is_rejected` |
 * | `SendfactApiError`, arguments not sent (`not-sent`) | 422 with `errors` |
 * | `SendfactApiError`, Sendfact answered 401 to a fresh token | 502 |
 * | `SendfactApiError`, 408, 429, 5xx or no answer | 503 with `Retry-After` |
 * | `SendfactApiError`, 2xx without the fields needed | 502 |
 * | `SendfactCredentialsError` (Sendfact refused our credentials) | 502, no detail |
 * | `SendfactTokenRequestError`, retryable (token endpoint down) | 503 with `Retry-After` |
 * | `SendfactTokenRequestError`, not retryable (e.g. 404: wrong base URL) | 502 |
 * | `SendfactTokenResponseError` | 502 |
 * | `SendfactConfigError` | 500 |
 * | `SendfactAbortedError` | 504 |
 * | `SendfactAuthClosedError` (shutting down) | 503 with `Retry-After` |
 * | any other `SendfactAuthError` | 503 with `Retry-After` if `retryable`, else 502 |
 *
 * For HTTP applications (Express or Fastify); in other contexts the error is thrown on.
 */
@Catch(SendfactAuthError)
export class SendfactExceptionFilter implements ExceptionFilter<SendfactAuthError> {
  readonly #logger = new Logger(SENDFACT_LOGGER_CONTEXT);
  readonly #adapterHost: HttpAdapterHost | undefined;

  /** Nest injects the adapter host; `new SendfactExceptionFilter()` writes through Express's response. */
  constructor(@Optional() adapterHost?: HttpAdapterHost) {
    this.#adapterHost = adapterHost;
  }

  /**
   * The answer the filter gives for `error` (the table above), for your own filters and tests. A static
   * method that needs no instance and no Nest: an app's own `@Catch()` filter calls it to keep its own body
   * shape (see the README's errors section).
   */
  static toHttp(error: SendfactAuthError): SendfactHttpAnswer;
  /**
   * The same for anything a `@Catch()` filter may receive: `undefined` unless `error` is a
   * `SendfactAuthError`, so that the app's own handling takes every other error.
   */
  static toHttp(error: unknown): SendfactHttpAnswer | undefined;
  static toHttp(error: unknown): SendfactHttpAnswer | undefined {
    if (!(error instanceof SendfactAuthError)) return undefined;
    if (error instanceof SendfactUnknownAccountError)
      return answer(HttpStatus.NOT_FOUND, 'Unknown Sendfact account');
    if (error instanceof SendfactApiError) return apiAnswer(error);
    if (error instanceof SendfactConfigError)
      return answer(HttpStatus.INTERNAL_SERVER_ERROR, 'Sendfact is not configured correctly');
    if (error instanceof SendfactAbortedError)
      return answer(HttpStatus.GATEWAY_TIMEOUT, 'The wait for Sendfact was cut short');
    if (error instanceof SendfactAuthClosedError) return unavailable(undefined);
    if (error instanceof SendfactTokenRequestError && error.retryable)
      return unavailable(error.retryAfterMs);
    if (
      error instanceof SendfactCredentialsError ||
      error instanceof SendfactTokenRequestError ||
      error instanceof SendfactTokenResponseError
    ) {
      return badGateway();
    }
    // A kind added later: its own flag says whether waiting may help.
    return error.retryable
      ? unavailable((error as { retryAfterMs?: unknown }).retryAfterMs)
      : badGateway();
  }

  /** Answers the HTTP request with {@link SendfactExceptionFilter.toHttp}'s answer. */
  catch(error: SendfactAuthError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const { status, retryAfterSeconds, body } = SendfactExceptionFilter.toHttp(error);
    // The error's message is safe by design (no secret), but it may name configuration: logs, not bodies.
    const line = `${error.name}: ${error.message} -> HTTP ${status}`;
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) this.#logger.error(line);
    else this.#logger.warn(line);
    const response: unknown = host.switchToHttp().getResponse();
    const adapter = this.#adapterHost?.httpAdapter;
    if (adapter !== undefined) {
      if (retryAfterSeconds !== undefined)
        adapter.setHeader(response, 'Retry-After', String(retryAfterSeconds));
      adapter.reply(response, body, status);
      return;
    }
    const res = response as {
      setHeader(name: string, value: string): void;
      status(code: number): { json(body: unknown): void };
    };
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    res.status(status).json(body);
  }
}

function apiAnswer(error: SendfactApiError): SendfactHttpAnswer {
  switch (error.reason) {
    case 'not-sent':
      return answer(422, 'The document could not be sent to Sendfact', {
        errors: [error.message],
      });
    case 'unreadable-answer':
      return badGateway();
    case 'no-answer':
      return unavailable(error.retryAfterMs);
    case 'error-status':
      break;
  }
  const status = error.status ?? 0;
  if (error.retryable) return unavailable(error.retryAfterMs);
  // The interceptor already replayed the call with a fresh token: Sendfact refuses this service.
  if (status === 401) return badGateway();
  if (status === 404)
    return answer(404, 'Sendfact does not know this document', { errors: error.errors });
  if (status >= 400 && status < 500)
    return answer(422, 'Sendfact rejected the document', {
      errors: error.errors,
      is_rejected: error.is_rejected,
    });
  return badGateway();
}

function answer(
  status: number,
  message: string,
  extra: { errors?: readonly string[]; is_rejected?: boolean } = {},
): SendfactHttpAnswer {
  const body: SendfactHttpAnswer['body'] = { statusCode: status, error: REASONS[status]!, message };
  if (extra.errors !== undefined) body.errors = [...extra.errors];
  if (extra.is_rejected !== undefined) body.is_rejected = extra.is_rejected;
  return { status, body };
}

function badGateway(): SendfactHttpAnswer {
  return answer(HttpStatus.BAD_GATEWAY, 'Sendfact could not be used; the server log says why');
}

function unavailable(retryAfterMs: unknown): SendfactHttpAnswer {
  const seconds =
    typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
      ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(retryAfterMs / 1000)))
      : DEFAULT_RETRY_AFTER_SECONDS;
  return {
    ...answer(HttpStatus.SERVICE_UNAVAILABLE, 'Sendfact is unavailable; try again later'),
    retryAfterSeconds: seconds,
  };
}

const REASONS: Record<number, string> = {
  404: 'Not Found',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
