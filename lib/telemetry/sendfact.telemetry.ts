import type { Attributes } from '@opentelemetry/api';
import type { Observable, Subscription } from 'rxjs';
import type { Clock } from '../interfaces/clock.interface.js';
import type { SendfactTokenEvent } from '../interfaces/sendfact-token-event.interface.js';
import { type OpenTelemetryApiModule, loadOpenTelemetryApi } from './opentelemetry-api.loader.js';
import type { SendfactTelemetryHooks } from './telemetry-hooks.interface.js';
import type { ResolvedTelemetryOptions } from './telemetry-options.js';
import { ATTRIBUTES } from './telemetry.constants.js';
import { TokenMetrics } from './token.metrics.js';
import { outcomeOf } from './token-outcome.js';
import { TokenRequestTracer } from './token-request.tracer.js';

/** What the telemetry reads from the service it reports on. */
export interface SendfactTelemetrySources {
  /** The service's events: the telemetry is fed from them, and closes when they complete. */
  events$: Observable<SendfactTokenEvent>;
  clock: Clock;
  defaultAccountId: string | undefined;
  accountsHeld: () => number;
}

/** One token request under way, from its first attempt to its outcome. */
interface Run {
  startedAt: number;
  attempts: number;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * The telemetry of one module instance, or `undefined` when it is off or `@opentelemetry/api` is not
 * installed: the service then installs no hook at all, so nothing runs on its behalf.
 */
export async function createSendfactTelemetry(
  options: ResolvedTelemetryOptions,
  sources: SendfactTelemetrySources,
  load: () => Promise<OpenTelemetryApiModule | undefined> = loadOpenTelemetryApi,
): Promise<SendfactTelemetryHooks | undefined> {
  if (!options.enabled) return undefined;
  const api = await load();
  return api === undefined ? undefined : new SendfactTelemetry(api, options, sources);
}

/**
 * Turns the service's events into metrics and spans. Every value it records is a count, a duration, an
 * outcome or an error code: never a token, a password or a username, and the account id only when the
 * `recordAccountId` option says so.
 */
class SendfactTelemetry implements SendfactTelemetryHooks {
  readonly #sources: SendfactTelemetrySources;
  readonly #recordAccountId: boolean;
  readonly #metrics: TokenMetrics;
  readonly #tracer: TokenRequestTracer;
  readonly #subscription: Subscription;
  readonly #runs = new Map<string, Run>();
  #storeDown = false;
  #closed = false;

  constructor(
    api: OpenTelemetryApiModule,
    options: ResolvedTelemetryOptions,
    sources: SendfactTelemetrySources,
  ) {
    this.#sources = sources;
    this.#recordAccountId = options.recordAccountId;
    this.#metrics = new TokenMetrics(api, {
      accountsHeld: sources.accountsHeld,
      storeFallback: () => this.#storeDown,
    });
    this.#tracer = new TokenRequestTracer(api);
    this.#subscription = sources.events$.subscribe({
      next: (event) => this.#onEvent(event),
      complete: () => this.close(),
    });
  }

  traceTokenRequest<T>(accountId: string, request: () => Promise<T>): Promise<T> {
    return this.#tracer.within(accountId, request);
  }

  callerWaited(accountId: string): void {
    this.#metrics.callerWaited(this.#attributes(accountId));
  }

  tokenSent(accountId: string | undefined, obtainedAt: number): void {
    const id = accountId ?? this.#sources.defaultAccountId;
    const ageMs = this.#sources.clock.now() - obtainedAt;
    this.#metrics.tokenAge(Math.max(0, ageMs) / 1000, this.#attributes(id));
  }

  traceReplay<T>(accountId: string | undefined, send: () => Promise<T>): Promise<T> {
    return this.#tracer.traceReplay(
      send,
      this.#attributes(accountId ?? this.#sources.defaultAccountId),
    );
  }

  storeHealth(healthy: boolean): void {
    this.#storeDown = !healthy;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscription?.unsubscribe();
    this.#tracer.close();
    this.#metrics.close();
    this.#runs.clear();
  }

  #onEvent(event: SendfactTokenEvent): void {
    const id = event.accountId;
    switch (event.type) {
      case 'token-requested': {
        const run = this.#runs.get(id);
        if (run === undefined || event.attempt === 1) {
          this.#runs.set(id, { startedAt: this.#sources.clock.now(), attempts: 1 });
          this.#tracer.start(id, event.background, this.#attributes(id));
        } else {
          run.attempts = event.attempt;
        }
        break;
      }
      case 'token-refreshed': {
        const attributes = this.#attributes(id);
        // A token taken from the shared store cost no token request here: another replica counted it.
        if (!event.shared) {
          this.#metrics.tokenRequest('ok', attributes);
          this.#metrics.tokenRequestDuration(event.durationMs / 1000, 'ok', attributes);
        }
        this.#tracer.end(id, 'ok', this.#runs.get(id)?.attempts ?? 1, {
          lifetimeMs: event.lifetimeMs,
          shared: event.shared,
        });
        this.#runs.delete(id);
        break;
      }
      case 'refresh-failed': {
        const outcome = outcomeOf(event.error);
        const attributes = this.#attributes(id);
        this.#metrics.tokenRequest(outcome, attributes);
        // Only a caller-awaited request retries within itself; a background one that will try again
        // later starts a new token request (and span) then.
        if (!event.background && event.retryInMs !== undefined) {
          this.#tracer.retrying(id, event.attempt, event.error, event.retryInMs);
          break;
        }
        const run = this.#runs.get(id);
        if (run !== undefined) {
          const seconds = (this.#sources.clock.now() - run.startedAt) / 1000;
          this.#metrics.tokenRequestDuration(seconds, outcome, attributes);
        }
        this.#tracer.end(id, outcome, event.attempt, { error: event.error });
        this.#runs.delete(id);
        break;
      }
      case 'request-replayed':
        this.#metrics.replay(this.#attributes(id));
        break;
      default:
        break;
    }
  }

  #attributes(accountId: string | undefined): Attributes {
    return this.#recordAccountId && accountId !== undefined
      ? { [ATTRIBUTES.accountId]: accountId }
      : NO_ATTRIBUTES;
  }
}
