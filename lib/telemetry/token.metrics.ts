import type { Attributes, Counter, Histogram, Meter, ObservableCallback } from '@opentelemetry/api';
import type { OpenTelemetryApiModule } from './opentelemetry-api.loader.js';
import {
  ATTRIBUTES,
  DURATION_BUCKETS,
  METRICS,
  TELEMETRY_SCOPE,
  TOKEN_AGE_BUCKETS,
} from './telemetry.constants.js';
import type { TokenOutcome } from './token-outcome.js';

/** What the observable gauges read, at collection time only. */
export interface TokenMetricsSources {
  /** Accounts that hold a token engine now. */
  accountsHeld: () => number;
  /** Whether the token store has failed and each process fetches its own tokens. */
  storeFallback: () => boolean;
}

/**
 * The module's instruments. Made once per module instance from the global meter provider, so the app must
 * register its provider before it builds the Nest application (as the OpenTelemetry docs ask anyway).
 */
export class TokenMetrics {
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #replays: Counter;
  readonly #age: Histogram;
  readonly #waits: Counter;
  readonly #unobserve: () => void;

  constructor(api: OpenTelemetryApiModule, sources: TokenMetricsSources) {
    const meter: Meter = api.metrics.getMeter(TELEMETRY_SCOPE);
    const { ValueType } = api;
    this.#requests = meter.createCounter(METRICS.tokenRequests, {
      description: 'Token requests (attempts), by outcome: ok, credentials, transient, malformed',
      unit: '{request}',
      valueType: ValueType.INT,
    });
    this.#duration = meter.createHistogram(METRICS.tokenRequestDuration, {
      description:
        'From the start of a token request to the token in hand or the final failure, retries included',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#replays = meter.createCounter(METRICS.replays, {
      description: 'Outbound requests sent again with a new token after a 401',
      unit: '{request}',
      valueType: ValueType.INT,
    });
    this.#age = meter.createHistogram(METRICS.tokenAge, {
      description:
        'Age of the token when an outbound request carries it: how close to expiry calls run',
      unit: 's',
      advice: { explicitBucketBoundaries: TOKEN_AGE_BUCKETS },
    });
    this.#waits = meter.createCounter(METRICS.waits, {
      description:
        'Callers that had to wait on the network for a token (none held, or a forced refresh)',
      unit: '{caller}',
      valueType: ValueType.INT,
    });
    const fallback = meter.createObservableGauge(METRICS.storeFallback, {
      description: '1 while the token store fails and each process gets its own tokens, else 0',
      valueType: ValueType.INT,
    });
    const accounts = meter.createObservableGauge(METRICS.accounts, {
      description: 'Accounts that hold a token engine',
      unit: '{account}',
      valueType: ValueType.INT,
    });
    const observeFallback: ObservableCallback = (result) =>
      result.observe(sources.storeFallback() ? 1 : 0);
    const observeAccounts: ObservableCallback = (result) => result.observe(sources.accountsHeld());
    fallback.addCallback(observeFallback);
    accounts.addCallback(observeAccounts);
    // A closed module must not stay reachable from the global meter (nor be observed).
    this.#unobserve = () => {
      fallback.removeCallback(observeFallback);
      accounts.removeCallback(observeAccounts);
    };
  }

  /** One token request (one attempt) ended with `outcome`. */
  tokenRequest(outcome: TokenOutcome, attributes: Attributes): void {
    this.#requests.add(1, { ...attributes, [ATTRIBUTES.outcome]: outcome });
  }

  /** A whole token request, retries included, ended with `outcome` after `seconds`. */
  tokenRequestDuration(seconds: number, outcome: TokenOutcome, attributes: Attributes): void {
    this.#duration.record(seconds, { ...attributes, [ATTRIBUTES.outcome]: outcome });
  }

  replay(attributes: Attributes): void {
    this.#replays.add(1, attributes);
  }

  /** Hot path (each outbound request): no allocation beyond what the SDK does. */
  tokenAge(seconds: number, attributes: Attributes): void {
    this.#age.record(seconds, attributes);
  }

  callerWaited(attributes: Attributes): void {
    this.#waits.add(1, attributes);
  }

  close(): void {
    this.#unobserve();
  }
}
