/** Injection token of the resolved, validated options ({@link ResolvedSendfactAuthOptions}). */
export const SENDFACT_AUTH_OPTIONS = 'nestjs-sendfact-auth:options';

/** The `@nestjs/config` namespace that `SENDFACT_*` variables are read into. */
export const SENDFACT_CONFIG_NAMESPACE = 'sendfact';

/** Context name of every log line of this package. */
export const SENDFACT_LOGGER_CONTEXT = 'SendfactAuth';

/** The account used when none is named. */
export const DEFAULT_ACCOUNT_ID = 'default';

/** Base URLs per environment. Production is documented by Sendfact as not yet available. */
export const SENDFACT_BASE_URLS = Object.freeze({
  demo: 'https://demo-api.sendfact.com',
  production: 'https://api.sendfact.com',
});

/** Default deadline of one token request, in ms (`timeoutMs`, `SENDFACT_TIMEOUT_MS`). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Default Sendfact environment (`environment`, `SENDFACT_ENVIRONMENT`). */
export const DEFAULT_ENVIRONMENT = 'demo';

/** Longest accepted `timeoutMs` / `SENDFACT_TIMEOUT_MS`: five minutes, far past any token request. */
export const MAX_TIMEOUT_MS = 300_000;

/** Default bound of one token-store call, in ms (`tokenStoreTimeoutMs`). */
export const DEFAULT_TOKEN_STORE_TIMEOUT_MS = 250;

/** Default number of accounts held at once (`maxAccounts`). */
export const DEFAULT_MAX_ACCOUNTS = 10_000;

/** Default cap on token requests in flight at once in the process, all accounts together (`maxConcurrentTokenRequests`). */
export const DEFAULT_MAX_CONCURRENT_TOKEN_REQUESTS = 32;

/** Default time limit of one `credentialsResolver` call, in ms (`credentialsResolverTimeoutMs`). */
export const DEFAULT_CREDENTIALS_RESOLVER_TIMEOUT_MS = 5_000;

/** Default cap on `credentialsResolver` calls in flight at once (`maxConcurrentResolverCalls`). */
export const DEFAULT_MAX_CONCURRENT_RESOLVER_CALLS = 32;

/**
 * How long an id the `credentialsResolver` did not know is answered "unknown" without asking it again, in ms:
 * long enough that a burst of repeats (a client retrying, a scan of ids) costs the app's database one call
 * each, short enough that a tenant added a moment later is found.
 */
export const UNKNOWN_ACCOUNT_MEMORY_MS = 10_000;

/** How many unknown ids are remembered at most (the oldest forgotten first): a bound on memory. */
export const UNKNOWN_ACCOUNT_MEMORY = 10_000;

/** Default time after which an unused account is dropped, in ms (`accountIdleTtlMs`): 15 minutes. */
export const DEFAULT_ACCOUNT_IDLE_TTL_MS = 15 * 60_000;

/**
 * Default wait of the health indicator's `requestToken` probe, in ms. Shorter than a token request's own
 * deadline on purpose: a probe that hangs for 10 s is reported late by the orchestrator anyway.
 */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 5_000;

/** Injection token of the `SendfactTokenFetcher` that asks the token endpoint for tokens. */
export const SENDFACT_TOKEN_FETCHER = 'nestjs-sendfact-auth:token-fetcher';

/** Injection token of the `SendfactTokenStore` the tokens are shared through (the `tokenStore` option). */
export const SENDFACT_TOKEN_STORE = 'nestjs-sendfact-auth:token-store';

/** Injection token of the options as the module's providers read them (see `asResolvedOptions`). */
export const SENDFACT_RESOLVED_OPTIONS = 'nestjs-sendfact-auth:resolved-options';

/**
 * Injection token of the `TokenKeyDeriver` that derives the shared store's keys (scrypt ones a few at a
 * time): a test replaces it to count or fake the derivations.
 */
export const SENDFACT_TOKEN_KEY_DERIVER = 'nestjs-sendfact-auth:token-key-deriver';

/** Injection token of the accounts registry: one token cycle and one login per account. */
export const SENDFACT_ACCOUNTS = 'nestjs-sendfact-auth:accounts';

/**
 * How often a replica waiting for another's token looks in the store, in ms. A token request takes 100 ms
 * or more, so 25 ms adds at most a quarter of one to the wait, at 40 cheap reads a second per waiting account.
 */
export const SHARED_TOKEN_POLL_INTERVAL_MS = 25;

/**
 * How much longer than one token request's deadline (`timeoutMs`) the lease of the replica fetching a token
 * lasts, in ms: the holder may take a whole request and still share the token before others take over.
 */
export const TOKEN_LEASE_GRACE_MS = 1_000;

/**
 * At start-up the module waits for the token store this many store-call bounds (`tokenStoreTimeoutMs`), and
 * at least {@link TOKEN_STORE_READY_MIN_WAIT_MS}: long enough for a connection handshake, short enough that a
 * dead store does not hold the app's start.
 */
export const TOKEN_STORE_READY_BOUNDS = 4;

/** The least time the module waits for the token store at start-up, in ms (a TLS handshake fits). */
export const TOKEN_STORE_READY_MIN_WAIT_MS = 1_000;
