import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { CreateAxiosDefaults } from 'axios';
import type { SendfactCredentials } from './sendfact-credentials.interface.js';
import type { SendfactTokenStore } from './sendfact-token-store.interface.js';
import type { Clock } from './clock.interface.js';
import type { RefreshPolicy } from './refresh-policy.interface.js';
import type { SendfactTelemetryOptions } from './sendfact-telemetry-options.interface.js';

/** Which Sendfact API: `demo` or `production` (see `SENDFACT_BASE_URLS`). */
export type SendfactEnvironment = 'demo' | 'production';

/**
 * Options of `SendfactAuthModule.forRoot()` / `forRootAsync()`. Every field is optional: what is not given
 * is read from the `SENDFACT_*` environment variables (through `@nestjs/config`), and options win over them.
 */
export interface SendfactAuthModuleOptions {
  /** Sendfact username (`USER` + the company's RUC). Env: `SENDFACT_USERNAME`. */
  username?: string;
  /** Sendfact password. Env: `SENDFACT_PASSWORD`. Never logged, never shown by `util.inspect`. */
  password?: string;
  /** Picks the base URL. Env: `SENDFACT_ENVIRONMENT`. Default `demo`. */
  environment?: SendfactEnvironment;
  /** Overrides the environment's base URL, e.g. a local stand-in. Env: `SENDFACT_BASE_URL`. */
  baseUrl?: string;
  /** Deadline of one token request in ms, 1 to 300000. Env: `SENDFACT_TIMEOUT_MS`. Default 10000 (`DEFAULT_TIMEOUT_MS`). */
  timeoutMs?: number;
  /**
   * Allow a plain `http://` base URL on a host that is not loopback. Off by default: the password and the
   * tokens would cross the network in clear. Env: `SENDFACT_ALLOW_INSECURE_HTTP=true`.
   */
  allowInsecureHttp?: boolean;
  /** Tuning of refresh-ahead, safety margin, retries and 401 windows; defaults in docs/CONFIGURATION.md. */
  refresh?: Partial<RefreshPolicy>;
  /** Refresh at the refresh-ahead point even with no traffic (one token request per refresh interval even when idle). */
  proactiveRefresh?: boolean;
  /**
   * axios defaults of `SendfactHttpService`'s own instance (timeout, agents, ...). `baseURL` is always the
   * Sendfact base URL. `httpAgent`/`httpsAgent` are used for token requests too.
   */
  http?: Omit<CreateAxiosDefaults, 'baseURL'>;
  /** The clock of the token engine; for tests with fake time. */
  clock?: Clock;
  /**
   * More issuing companies, by account id: `{ acme: { username, password } }`. Env:
   * `SENDFACT_ACCOUNT_<ID>_USERNAME` / `SENDFACT_ACCOUNT_<ID>_PASSWORD` (the id lower-cased). An id is 1 to
   * 64 letters, digits, `_`, `.`, `:` or `-` (`ACCOUNT_ID`); `default`, `__proto__`, `constructor` and
   * `prototype` are refused, and so is a variable whose id is not upper-case letters, digits and `_`.
   */
  accounts?: Record<string, SendfactCredentials>;
  /**
   * Credentials of accounts not listed in `accounts`, e.g. tenants kept in a database. Called on an account's
   * first use (and again after Sendfact refused its credentials); `undefined` means no such account.
   */
  credentialsResolver?: (
    accountId: string,
  ) => Promise<SendfactCredentials | undefined> | SendfactCredentials | undefined;
  /**
   * Time limit of one `credentialsResolver` call in ms; past it the call fails with
   * `SendfactCredentialsResolverError`. Default 5000.
   */
  credentialsResolverTimeoutMs?: number;
  /** Most `credentialsResolver` calls in flight at once, apart from token requests. Default 32. */
  maxConcurrentResolverCalls?: number;
  /** Which of `accounts` serves calls that name no account, when `username`/`password` are not given. Env: `SENDFACT_DEFAULT_ACCOUNT`. */
  defaultAccount?: string;
  /** Where tokens are shared: in-memory by default; `RedisTokenStore` shares them across replicas. */
  tokenStore?: SendfactTokenStore;
  /** Bound of one token-store call in ms; past it this process fetches its own token. Default 250 (`DEFAULT_TOKEN_STORE_TIMEOUT_MS`). */
  tokenStoreTimeoutMs?: number;
  /** Most accounts held at once; the least recently used idle one is dropped past it. Default 10,000 (`DEFAULT_MAX_ACCOUNTS`). */
  maxAccounts?: number;
  /** An account unused for this long is dropped (and resolved again on next use). Default 15 minutes (`DEFAULT_ACCOUNT_IDLE_TTL_MS`). */
  accountIdleTtlMs?: number;
  /**
   * Most token requests in flight at once in this process, all accounts together; more callers queue and are
   * served in order (one whose `signal` fires leaves the queue). Default 32.
   */
  maxConcurrentTokenRequests?: number;
  /** OpenTelemetry metrics and spans, when `@opentelemetry/api` is installed; see `SendfactTelemetryOptions`. */
  telemetry?: SendfactTelemetryOptions;
}

/** Options of `SendfactAuthModule.forRoot()`: the module's options, and whether to register it globally. */
export interface SendfactAuthModuleRootOptions extends SendfactAuthModuleOptions {
  /** Register the module's providers in every module of the app. Default `false`. */
  isGlobal?: boolean;
}

/**
 * Options of `SendfactAuthModule.forRootAsync()`: a factory of the module's options with what it injects
 * (`imports`, `inject`, `useFactory`; or `useClass`/`useExisting`), and `isGlobal`.
 */
export type SendfactAuthModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  SendfactAuthModuleOptions,
  'create'
> & {
  /** Register the module's providers in every module of the app. Default `false`. */
  isGlobal?: boolean;
};
