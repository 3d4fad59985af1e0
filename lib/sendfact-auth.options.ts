import { inspect } from 'node:util';
import type { CreateAxiosDefaults } from 'axios';
import type { SendfactCredentials } from './interfaces/sendfact-credentials.interface.js';
import { mergeSendfactConfig } from './config/sendfact-config.merge.js';
import { normalizeBaseUrl } from './config/base-url.js';
import type { Clock } from './interfaces/clock.interface.js';
import { DEFAULT_REFRESH_POLICY } from './engine/refresh-policy.js';
import type { RefreshPolicy } from './interfaces/refresh-policy.interface.js';
import type {
  SendfactAuthModuleOptions,
  SendfactEnvironment,
} from './interfaces/sendfact-auth-module-options.interface.js';
import type { SendfactTokenStore } from './interfaces/sendfact-token-store.interface.js';
import type { SendfactTelemetryOptions } from './interfaces/sendfact-telemetry-options.interface.js';
import { SendfactConfigError } from './sendfact-auth.errors.js';
import { resolveTelemetryOptions } from './telemetry/telemetry-options.js';
import { type SendfactEnvironmentVariables, readSendfactEnvironment } from './sendfact.config.js';

/** Every option once the configuration table has merged, defaulted and checked it. */
type ResolvedFields = Required<
  Omit<
    SendfactAuthModuleOptions,
    'username' | 'password' | 'accounts' | 'defaultAccount' | 'credentialsResolver'
  >
> &
  Pick<SendfactAuthModuleOptions, 'defaultAccount' | 'credentialsResolver'>;

/**
 * The module's options once merged with the environment and validated: what every provider of the module
 * reads. The password is kept in a private field and shown by neither `util.inspect` nor `JSON.stringify`.
 */
export class ResolvedSendfactAuthOptions {
  readonly environment: SendfactEnvironment;
  /** Base URL without a trailing slash, e.g. `https://demo-api.sendfact.com`. */
  readonly baseUrl: string;
  /** Scheme, host and port of `baseUrl`: the only origin that gets the bearer token. */
  readonly origin: string;
  readonly timeoutMs: number;
  readonly allowInsecureHttp: boolean;
  readonly refresh: Readonly<RefreshPolicy>;
  readonly proactiveRefresh: boolean;
  readonly http: Omit<CreateAxiosDefaults, 'baseURL'>;
  readonly clock: Clock;
  /** The account of calls that name none; `undefined` when every call must name one. */
  readonly defaultAccountId: string | undefined;
  /** Username of the default account, if there is one. */
  readonly username: string | undefined;
  /** Where the credentials of accounts not configured come from (see the option of the same name). */
  readonly credentialsResolver: SendfactAuthModuleOptions['credentialsResolver'];
  readonly credentialsResolverTimeoutMs: number;
  readonly maxConcurrentResolverCalls: number;
  /** Where tokens are shared. */
  readonly tokenStore: SendfactTokenStore;
  readonly tokenStoreTimeoutMs: number;
  readonly maxAccounts: number;
  /** Most token requests in flight at once in this process, all accounts together. */
  readonly maxConcurrentTokenRequests: number;
  readonly accountIdleTtlMs: number;
  /** The `telemetry` option with its defaults (on when `@opentelemetry/api` is installed; no account ids). */
  readonly telemetry: Readonly<Required<SendfactTelemetryOptions>>;
  readonly #accounts: ReadonlyMap<string, SendfactCredentials>;

  /**
   * @internal Made by the module from its options (or by `createSendfactTestingOptions`).
   * @param settings every option, merged and checked by {@link resolveSendfactAuthOptions}
   * @param accounts every configured login by account id, the default one included
   */
  constructor(settings: ResolvedFields, accounts: ReadonlyMap<string, SendfactCredentials>) {
    this.environment = settings.environment;
    this.baseUrl = normalizeBaseUrl(settings.baseUrl);
    this.origin = new URL(this.baseUrl).origin;
    this.timeoutMs = settings.timeoutMs;
    this.allowInsecureHttp = settings.allowInsecureHttp;
    this.refresh = Object.freeze({ ...DEFAULT_REFRESH_POLICY, ...definedOnly(settings.refresh) });
    this.proactiveRefresh = settings.proactiveRefresh;
    this.http = settings.http;
    this.clock = settings.clock;
    this.#accounts = accounts;
    this.defaultAccountId = settings.defaultAccount;
    this.username =
      settings.defaultAccount === undefined
        ? undefined
        : accounts.get(settings.defaultAccount)?.username;
    this.credentialsResolver = settings.credentialsResolver;
    this.credentialsResolverTimeoutMs = settings.credentialsResolverTimeoutMs;
    this.maxConcurrentResolverCalls = settings.maxConcurrentResolverCalls;
    this.tokenStore = settings.tokenStore;
    this.tokenStoreTimeoutMs = settings.tokenStoreTimeoutMs;
    this.maxAccounts = settings.maxAccounts;
    this.maxConcurrentTokenRequests = settings.maxConcurrentTokenRequests;
    this.accountIdleTtlMs = settings.accountIdleTtlMs;
    this.telemetry = Object.freeze(resolveTelemetryOptions(settings.telemetry, []));
  }

  /** The configured login of `accountId`, if any (the resolver's are not here). */
  credentialsFor(accountId: string): SendfactCredentials | undefined {
    return this.#accounts.get(accountId);
  }

  toJSON(): Record<string, unknown> {
    return {
      environment: this.environment,
      baseUrl: this.baseUrl,
      username: this.username,
      password: this.username === undefined ? undefined : '[redacted]',
      defaultAccountId: this.defaultAccountId,
      accounts: Object.fromEntries(
        [...this.#accounts].map(([id, { username }]) => [id, { username, password: '[redacted]' }]),
      ),
      credentialsResolver: this.credentialsResolver === undefined ? undefined : '[function]',
      timeoutMs: this.timeoutMs,
      allowInsecureHttp: this.allowInsecureHttp,
      proactiveRefresh: this.proactiveRefresh,
      refresh: this.refresh,
    };
  }

  [inspect.custom](depth: number, options: object): string {
    return `ResolvedSendfactAuthOptions ${inspect(this.toJSON(), { ...options, depth })}`;
  }
}

/**
 * Merges module options over the `SENDFACT_*` variables and validates the result. Throws one
 * {@link SendfactConfigError} listing every problem, each naming the variable or option.
 */
export function resolveSendfactAuthOptions(
  options: SendfactAuthModuleOptions | undefined = {},
  env: SendfactEnvironmentVariables = readSendfactEnvironment(),
): ResolvedSendfactAuthOptions {
  const { settings, accounts, problems } = mergeSendfactConfig(options ?? {}, env);
  if (problems.length > 0) throw new SendfactConfigError(problems);
  return new ResolvedSendfactAuthOptions(settings as ResolvedFields, accounts);
}

/**
 * What the `SENDFACT_AUTH_OPTIONS` provider gave, as the module's providers read it: resolved options as they
 * are (from `forRoot`, or `createSendfactTestingOptions` in a test), and a plain object taken as `forRoot()`
 * options, merged over `SENDFACT_*` and validated, so that `overrideProvider(SENDFACT_AUTH_OPTIONS).useValue({...})`
 * works too.
 */
export function asResolvedOptions(value: unknown): ResolvedSendfactAuthOptions {
  if (value instanceof ResolvedSendfactAuthOptions) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SendfactConfigError([
      `SENDFACT_AUTH_OPTIONS must be an options object (as given to SendfactAuthModule.forRoot()) or ` +
        `createSendfactTestingOptions() from nestjs-sendfact-auth/testing, not ${value === null ? 'null' : typeof value}`,
    ]);
  }
  return resolveSendfactAuthOptions(value as SendfactAuthModuleOptions);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
