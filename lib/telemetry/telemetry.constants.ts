/** Instrumentation scope of every meter and tracer of this package. */
export const TELEMETRY_SCOPE = 'nestjs-sendfact-auth';

/**
 * Metric names. No OpenTelemetry semantic convention covers an outbound token's life, so all are under
 * `sendfact.auth.*`; the HTTP call itself is `http.client.request.duration` of the HTTP instrumentation.
 */
export const METRICS = Object.freeze({
  tokenRequests: 'sendfact.auth.token.requests',
  tokenRequestDuration: 'sendfact.auth.token.request.duration',
  replays: 'sendfact.auth.request.replays',
  storeFallback: 'sendfact.auth.store.fallback',
  accounts: 'sendfact.auth.accounts',
  tokenAge: 'sendfact.auth.token.age',
  waits: 'sendfact.auth.token.waits',
});

/** Span names: internal spans around the HTTP client spans, never in place of them. */
export const SPANS = Object.freeze({
  tokenRequest: 'sendfact.auth.token_request',
  replay: 'sendfact.auth.request_replay',
});

/** Span event of a failed attempt that the token request retries. */
export const RETRY_EVENT = 'sendfact.auth.token_request.retry';

/** Attribute keys. `error.type` is the semantic conventions' own. */
export const ATTRIBUTES = Object.freeze({
  outcome: 'sendfact.auth.token.outcome',
  background: 'sendfact.auth.token.background',
  attempts: 'sendfact.auth.token.attempts',
  attempt: 'sendfact.auth.token.attempt',
  retryDelay: 'sendfact.auth.token.retry_delay',
  lifetime: 'sendfact.auth.token.lifetime',
  shared: 'sendfact.auth.token.shared',
  accountId: 'sendfact.account.id',
  errorType: 'error.type',
});

/** The semantic conventions' buckets for HTTP durations, in seconds: a token request is one or a few of them. */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Token age in seconds, fine near the end of Sendfact's 120 s tokens, where calls run close to expiry. */
export const TOKEN_AGE_BUCKETS = [1, 5, 10, 20, 30, 45, 60, 75, 90, 100, 105, 110, 115, 120];
