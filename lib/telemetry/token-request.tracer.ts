import type { Attributes, Link, Span, Tracer } from '@opentelemetry/api';
import type { SendfactAuthError } from '../sendfact-auth.errors.js';
import type { OpenTelemetryApiModule } from './opentelemetry-api.loader.js';
import { ATTRIBUTES, RETRY_EVENT, SPANS, TELEMETRY_SCOPE } from './telemetry.constants.js';
import type { TokenOutcome } from './token-outcome.js';

/**
 * The spans: one per token request of an account (its retries as events) and one per 401 replay. Both are
 * INTERNAL spans that hold the HTTP instrumentation's CLIENT spans as children: they add what the HTTP span
 * cannot know (why the call was made, the retries, the outcome) and repeat nothing of it.
 */
export class TokenRequestTracer {
  readonly #api: OpenTelemetryApiModule;
  readonly #tracer: Tracer;
  /** The open token-request span of each account (an engine has at most one token request under way). */
  readonly #open = new Map<string, Span>();

  constructor(api: OpenTelemetryApiModule) {
    this.#api = api;
    // A proxy tracer: it records to a provider registered later too.
    this.#tracer = api.trace.getTracer(TELEMETRY_SCOPE);
  }

  /**
   * A token request of `accountId` starts, in the async context of the caller that set it off. A caller that
   * waits gets it as a child of its active span; a background refresh (nobody waits) starts a trace of its
   * own, linked to the span of the request that set it off, so no trace shows a call outlived by its child.
   */
  start(accountId: string, background: boolean, attributes: Attributes): void {
    this.#open.get(accountId)?.end();
    const { context, trace, SpanKind } = this.#api;
    const active = context.active();
    const trigger = trace.getSpanContext(active);
    const links: Link[] = background && trigger !== undefined ? [{ context: trigger }] : [];
    const span = this.#tracer.startSpan(
      SPANS.tokenRequest,
      {
        kind: SpanKind.INTERNAL,
        root: background,
        links,
        attributes: { ...attributes, [ATTRIBUTES.background]: background },
      },
      active,
    );
    this.#open.set(accountId, span);
  }

  /** Runs `request` with the account's open span active, so that the HTTP client span nests under it. */
  within<T>(accountId: string, request: () => Promise<T>): Promise<T> {
    const span = this.#open.get(accountId);
    if (span === undefined) return request();
    const { context, trace } = this.#api;
    return context.with(trace.setSpan(context.active(), span), request);
  }

  /** An attempt failed and the token request will try again after `retryInMs`. */
  retrying(accountId: string, attempt: number, error: SendfactAuthError, retryInMs: number): void {
    this.#open.get(accountId)?.addEvent(RETRY_EVENT, {
      [ATTRIBUTES.attempt]: attempt,
      [ATTRIBUTES.errorType]: error.code,
      [ATTRIBUTES.retryDelay]: retryInMs / 1000,
    });
  }

  /** The token request ended: a token in hand (`lifetimeMs`), or `error` after `attempts` attempts. */
  end(
    accountId: string,
    outcome: TokenOutcome,
    attempts: number,
    result: { lifetimeMs?: number; error?: SendfactAuthError; shared?: boolean },
  ): void {
    const span = this.#open.get(accountId);
    if (span === undefined) return;
    this.#open.delete(accountId);
    span.setAttribute(ATTRIBUTES.outcome, outcome);
    span.setAttribute(ATTRIBUTES.attempts, attempts);
    if (result.lifetimeMs !== undefined)
      span.setAttribute(ATTRIBUTES.lifetime, result.lifetimeMs / 1000);
    if (result.shared === true) span.setAttribute(ATTRIBUTES.shared, true);
    if (result.error === undefined) {
      span.setStatus({ code: this.#api.SpanStatusCode.OK });
    } else {
      // The code only: error messages are free of secrets but may name the account.
      span.setAttribute(ATTRIBUTES.errorType, result.error.code);
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: result.error.code });
    }
    span.end();
  }

  /** Sends a replay after a 401 inside its own span, a child of the caller's active span. */
  traceReplay<T>(send: () => Promise<T>, attributes: Attributes): Promise<T> {
    const { context, trace, SpanKind, SpanStatusCode } = this.#api;
    const active = context.active();
    const span = this.#tracer.startSpan(
      SPANS.replay,
      { kind: SpanKind.INTERNAL, attributes },
      active,
    );
    let sent: Promise<T>;
    try {
      sent = context.with(trace.setSpan(active, span), send);
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      (value) => {
        span.setStatus({ code: SpanStatusCode.OK });
        span.end();
        return value;
      },
      (error: unknown) => {
        const type = replayErrorType(error);
        span.setAttribute(ATTRIBUTES.errorType, type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        span.end();
        throw error;
      },
    );
  }

  /** Ends what is still open (the module closes with a token request under way). */
  close(): void {
    for (const span of this.#open.values()) {
      span.setAttribute(ATTRIBUTES.errorType, 'CLOSED');
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: 'CLOSED' });
      span.end();
    }
    this.#open.clear();
  }
}

/** The HTTP status of a failed replay, or the error's code or name: never its message or config. */
function replayErrorType(error: unknown): string {
  const candidate = error as { response?: { status?: unknown }; code?: unknown; name?: unknown };
  if (typeof candidate?.response?.status === 'number') return String(candidate.response.status);
  if (typeof candidate?.code === 'string') return candidate.code;
  return typeof candidate?.name === 'string' ? candidate.name : 'Error';
}
