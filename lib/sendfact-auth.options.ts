import { inspect } from 'node:util';
import type { CreateAxiosDefaults } from 'axios';
import type { SendfactCredentials } from './client/sendfact-token.client.js';
import { type Clock, systemClock } from './engine/clock.js';
import type { TokenFetcher } from './engine/token-engine.js';
import {
  DEFAULT_REFRESH_POLICY,
  type RefreshPolicy,
  policyProblems,
} from './engine/refresh-policy.js';
import type {
  SendfactAuthModuleOptions,
  SendfactEnvironment,
} from './interfaces/sendfact-auth-module-options.interface.js';
import type { SendfactTokenStore } from './interfaces/sendfact-token-store.interface.js';
import type { SendfactTelemetryOptions } from './interfaces/sendfact-telemetry-options.interface.js';
import { InMemoryTokenStore } from './store/in-memory-token.store.js';
import {
  type ResolvedTelemetryOptions,
  resolveTelemetryOptions,
} from './telemetry/telemetry-options.js';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_TIMEOUT_MS,
  SENDFACT_BASE_URLS,
} from './sendfact-auth.constants.js';
import { SendfactConfigError } from './sendfact-auth.errors.js';
import {
  ACCOUNT_ID,
  type SendfactEnvName,
  type SendfactEnvironmentVariables,
  environmentProblems,
  readSendfactEnvironment,
} from './sendfact.config.js';

const MAX_TIMEOUT_MS = 300_000;

interface ResolvedFields {
  environment: SendfactEnvironment;
  baseUrl: string;
  timeoutMs: number;
  allowInsecureHttp: boolean;
  refresh: RefreshPolicy;
  proactiveRefresh: boolean;
  http: Omit<CreateAxiosDefaults, 'baseURL'>;
  clock: Clock;
  /** Every configured login by account id, the default one (`default`) included. */
  accounts: Map<string, SendfactCredentials>;
  defaultAccountId: string | undefined;
  credentialsResolver: SendfactAuthModuleOptions['credentialsResolver'];
  tokenStore: SendfactTokenStore;
  tokenStoreTimeoutMs: number;
  maxAccounts: number;
  accountIdleTtlMs: number;
  tokenFetcher?: TokenFetcher;
  telemetry: ResolvedTelemetryOptions;
}

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
  /** Ids of the configured accounts (those of `credentialsResolver` come on first use). */
  readonly accountIds: readonly string[];
  /** Where the credentials of accounts not configured come from (see the option of the same name). */
  readonly credentialsResolver: SendfactAuthModuleOptions['credentialsResolver'];
  /** Where tokens are shared. */
  readonly tokenStore: SendfactTokenStore;
  readonly tokenStoreTimeoutMs: number;
  readonly maxAccounts: number;
  readonly accountIdleTtlMs: number;
  /** The `telemetry` option with its defaults (on when `@opentelemetry/api` is installed; no account ids). */
  readonly telemetry: Readonly<Required<SendfactTelemetryOptions>>;
  /** @internal Replaces the token endpoint for the default account (the testing module's fixed tokens). */
  readonly tokenFetcher?: TokenFetcher;
  readonly #accounts: Map<string, SendfactCredentials>;

  constructor(fields: ResolvedFields) {
    this.environment = fields.environment;
    this.baseUrl = fields.baseUrl;
    this.origin = new URL(fields.baseUrl).origin;
    this.timeoutMs = fields.timeoutMs;
    this.allowInsecureHttp = fields.allowInsecureHttp;
    this.refresh = Object.freeze({ ...fields.refresh });
    this.proactiveRefresh = fields.proactiveRefresh;
    this.http = fields.http;
    this.clock = fields.clock;
    this.#accounts = fields.accounts;
    this.accountIds = Object.freeze([...fields.accounts.keys()]);
    this.defaultAccountId = fields.defaultAccountId;
    this.username =
      fields.defaultAccountId === undefined
        ? undefined
        : fields.accounts.get(fields.defaultAccountId)?.username;
    this.credentialsResolver = fields.credentialsResolver;
    this.tokenStore = fields.tokenStore;
    this.tokenStoreTimeoutMs = fields.tokenStoreTimeoutMs;
    this.maxAccounts = fields.maxAccounts;
    this.accountIdleTtlMs = fields.accountIdleTtlMs;
    this.telemetry = Object.freeze({ ...fields.telemetry });
    if (fields.tokenFetcher !== undefined) this.tokenFetcher = fields.tokenFetcher;
  }

  /** The configured login of `accountId`, if any (the resolver's are not here). */
  credentialsFor(accountId: string): SendfactCredentials | undefined {
    return this.#accounts.get(accountId);
  }

  /** The default account's login. */
  get credentials(): SendfactCredentials {
    const credentials =
      this.defaultAccountId === undefined ? undefined : this.#accounts.get(this.defaultAccountId);
    if (credentials === undefined)
      throw new SendfactConfigError(['no default account is configured']);
    return credentials;
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
  internal: { tokenFetcher?: TokenFetcher } = {},
): ResolvedSendfactAuthOptions {
  const problems: string[] = [];
  const envProblems = environmentProblems(env);
  // An environment variable is only checked when no option overrides it.
  const fromEnv = <T>(option: T | undefined, name: SendfactEnvName) => {
    if (option !== undefined) return { value: option, source: optionName(name) };
    const problem = envProblems.get(name);
    if (problem !== undefined) problems.push(problem);
    return { value: problem === undefined ? env[name] : undefined, source: name };
  };

  const username = fromEnv(options.username, 'SENDFACT_USERNAME');
  const password = fromEnv(options.password, 'SENDFACT_PASSWORD');
  const accounts = new Map<string, SendfactCredentials>();
  const otherAccounts = accountProblems(options, env, accounts, problems);
  // The default login may be left out only when accounts are named some other way.
  const bothMissing = username.value === undefined && password.value === undefined;
  if (!(bothMissing && (otherAccounts || options.credentialsResolver !== undefined))) {
    for (const field of [username, password]) {
      if (field.value === undefined && !envProblems.has(field.source)) {
        problems.push(`${field.source} is required`);
      } else if (
        field.value !== undefined &&
        !(typeof field.value === 'string' && field.value.trim() !== '')
      ) {
        problems.push(`${field.source} must be a non-empty string`);
      }
    }
  }
  if (typeof username.value === 'string' && typeof password.value === 'string') {
    accounts.set(DEFAULT_ACCOUNT_ID, { username: username.value.trim(), password: password.value });
  }
  const chosen = fromEnv(options.defaultAccount, 'SENDFACT_DEFAULT_ACCOUNT');
  const defaultAccountId =
    (chosen.value as string | undefined) ??
    (accounts.has(DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : undefined);
  if (
    chosen.value !== undefined &&
    !accounts.has(chosen.value as string) &&
    options.credentialsResolver === undefined
  ) {
    problems.push(`${chosen.source} names an account that is not configured`);
  }
  const positive = (value: number | undefined, fallback: number, name: string) => {
    const n = value ?? fallback;
    if (!(Number.isFinite(n) && n > 0))
      problems.push(`the ${name} option must be a positive number`);
    return n;
  };
  const tokenStoreTimeoutMs = positive(options.tokenStoreTimeoutMs, 250, 'tokenStoreTimeoutMs');
  const maxAccounts = positive(options.maxAccounts, 10_000, 'maxAccounts');
  const accountIdleTtlMs = positive(options.accountIdleTtlMs, 15 * 60_000, 'accountIdleTtlMs');

  const environment = fromEnv(options.environment, 'SENDFACT_ENVIRONMENT');
  const environmentName = (environment.value ?? 'demo') as SendfactEnvironment;
  if (!(environmentName in SENDFACT_BASE_URLS))
    problems.push(`${environment.source} must be "demo" or "production"`);

  const insecure = fromEnv(options.allowInsecureHttp, 'SENDFACT_ALLOW_INSECURE_HTTP');
  const allowInsecureHttp =
    insecure.value === true || insecure.value === 'true' || insecure.value === '1';

  const base = fromEnv(options.baseUrl, 'SENDFACT_BASE_URL');
  const baseUrl = checkBaseUrl(
    base.value ?? SENDFACT_BASE_URLS[environmentName] ?? SENDFACT_BASE_URLS.demo,
    base.value === undefined ? 'SENDFACT_ENVIRONMENT' : base.source,
    allowInsecureHttp,
    problems,
  );

  const timeout = fromEnv(options.timeoutMs, 'SENDFACT_TIMEOUT_MS');
  const timeoutMs = timeout.value === undefined ? DEFAULT_TIMEOUT_MS : Number(timeout.value);
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) {
    problems.push(
      `${timeout.source} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
    );
  }

  const refresh: RefreshPolicy = {
    ...DEFAULT_REFRESH_POLICY,
    ...definedOnly(options.refresh ?? {}),
  };
  problems.push(...policyProblems(refresh));
  const telemetry = resolveTelemetryOptions(options.telemetry, problems);

  if (problems.length > 0) throw new SendfactConfigError(problems);
  return new ResolvedSendfactAuthOptions({
    environment: environmentName,
    baseUrl: baseUrl!,
    timeoutMs,
    allowInsecureHttp,
    refresh,
    proactiveRefresh: options.proactiveRefresh ?? false,
    http: options.http ?? {},
    clock: options.clock ?? systemClock,
    accounts,
    defaultAccountId,
    credentialsResolver: options.credentialsResolver,
    tokenStore: options.tokenStore ?? new InMemoryTokenStore(),
    tokenStoreTimeoutMs,
    maxAccounts,
    accountIdleTtlMs,
    telemetry,
    ...internal,
  });
}

/**
 * Collects the accounts of the `accounts` option over those of `SENDFACT_ACCOUNT_<ID>_*`; returns whether
 * there are any.
 */
function accountProblems(
  options: SendfactAuthModuleOptions,
  env: SendfactEnvironmentVariables,
  into: Map<string, SendfactCredentials>,
  problems: string[],
): boolean {
  const sources: (readonly [
    string,
    { username?: unknown; password?: unknown },
    (field: string) => string,
  ])[] = [
    ...Object.entries(env.accounts ?? {}).map(
      ([id, a]) =>
        [
          id,
          a,
          (field: string) => `SENDFACT_ACCOUNT_${id.toUpperCase()}_${field.toUpperCase()}`,
        ] as const,
    ),
    ...Object.entries(options.accounts ?? {}).map(
      ([id, a]) => [id, a ?? {}, (field: string) => `accounts.${id}.${field}`] as const,
    ),
  ];
  for (const [id, account, name] of sources) {
    if (!ACCOUNT_ID.test(id)) {
      problems.push(
        `account id "${id.slice(0, 64)}" must be letters, digits, _ . : - (at most 64)`,
      );
      continue;
    }
    if (id === DEFAULT_ACCOUNT_ID) {
      problems.push(`account id "default" is reserved for SENDFACT_USERNAME / SENDFACT_PASSWORD`);
      continue;
    }
    const fieldProblems = (['username', 'password'] as const).filter(
      (field) => !(typeof account[field] === 'string' && (account[field] as string).trim() !== ''),
    );
    for (const field of fieldProblems) problems.push(`${name(field)} is required`);
    if (fieldProblems.length === 0) {
      into.set(id, {
        username: (account.username as string).trim(),
        password: account.password as string,
      });
    }
  }
  return sources.length > 0;
}

/** `SENDFACT_BASE_URL` -> `baseUrl` (the option's name, for problems found in an option's value). */
function optionName(envName: string): string {
  const name = envName
    .replace(/^SENDFACT_/, '')
    .toLowerCase()
    .replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  return `the ${name === 'baseUrl' ? 'baseUrl' : name} option`;
}

function checkBaseUrl(raw: string, source: string, allowInsecureHttp: boolean, problems: string[]) {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${source} must be an http:// or https:// URL`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`${source} must be an http:// or https:// URL`);
  } else if (url.username !== '' || url.password !== '') {
    problems.push(`${source} must not carry credentials in the URL`);
  } else if (url.search !== '' || url.hash !== '') {
    problems.push(`${source} must not have a query or fragment`);
  } else if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    problems.push(
      `${source} uses plain http:// for a host that is not loopback; use https:// or set allowInsecureHttp ` +
        '(SENDFACT_ALLOW_INSECURE_HTTP=true) if you really mean it',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
