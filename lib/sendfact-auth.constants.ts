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
