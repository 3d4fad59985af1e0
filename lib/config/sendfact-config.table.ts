import { isBoolean, isIn, isInt, isNumber, isObject, isPositive, max, min } from 'class-validator';
import { systemClock } from '../engine/clock.js';
import { DEFAULT_REFRESH_POLICY, policyProblems } from '../engine/refresh-policy.js';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_ACCOUNT_IDLE_TTL_MS,
  DEFAULT_CREDENTIALS_RESOLVER_TIMEOUT_MS,
  DEFAULT_ENVIRONMENT,
  DEFAULT_MAX_ACCOUNTS,
  DEFAULT_MAX_CONCURRENT_RESOLVER_CALLS,
  DEFAULT_MAX_CONCURRENT_TOKEN_REQUESTS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_STORE_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  SENDFACT_BASE_URLS,
} from '../sendfact-auth.constants.js';
import { InMemoryTokenStore } from '../store/in-memory-token.store.js';
import { telemetryProblems } from '../telemetry/telemetry-options.js';
import { ACCOUNT_ID } from './account-id.js';
import { baseUrlProblem } from './base-url.js';
import type {
  AnySendfactConfigRow,
  SendfactConfigContext,
  SendfactOptionName,
} from './sendfact-config.row.js';

// class-validator's checks, used directly: every rule here looks at other settings (the default login is
// required unless accounts are named; http:// depends on allowInsecureHttp) and names the option or the
// variable the value came from, which per-property decorators on one class cannot say.
const positiveNumber = (v: unknown) => isNumber(v, { allowInfinity: false }) && isPositive(v);
const nonEmptyString = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const optional =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || check(v);

/** The default login is needed unless calls can name accounts configured another way. */
const loginRequired = ({ settings, namedAccounts }: SendfactConfigContext) =>
  !(settings.username === undefined && settings.password === undefined && namedAccounts);
const loginField = (v: unknown, context: SendfactConfigContext) =>
  v === undefined ? !loginRequired(context) : nonEmptyString(v);
const loginMessage = (v: unknown) =>
  v === undefined ? 'is required' : 'must be a non-empty string';

/**
 * Every setting of the module, in the order they are merged and checked. Adding an option is one row
 * here plus its field in `SendfactAuthModuleOptions` (and in `ResolvedSendfactAuthOptions` if a provider
 * reads it); a default goes in `sendfact-auth.constants.ts`.
 */
const TABLE = [
  {
    option: 'username',
    env: 'SENDFACT_USERNAME',
    parse: (text) => text,
    validate: loginField,
    message: loginMessage,
  },
  {
    option: 'password',
    env: 'SENDFACT_PASSWORD',
    parse: (text) => text,
    validate: loginField,
    message: loginMessage,
  },
  {
    option: 'environment',
    env: 'SENDFACT_ENVIRONMENT',
    parse: (text) => text as 'demo',
    default: DEFAULT_ENVIRONMENT,
    validate: (v) => isIn(v, Object.keys(SENDFACT_BASE_URLS)),
    message: 'must be "demo" or "production"',
  },
  {
    option: 'allowInsecureHttp',
    env: 'SENDFACT_ALLOW_INSECURE_HTTP',
    parse: (text) =>
      text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined,
    default: false,
    validate: isBoolean,
    message: 'must be "true" or "false"',
  },
  {
    option: 'baseUrl',
    env: 'SENDFACT_BASE_URL',
    parse: (text) => text,
    default: ({ settings }) =>
      settings.environment === 'production'
        ? SENDFACT_BASE_URLS.production
        : SENDFACT_BASE_URLS.demo,
    validate: (v, { settings }) =>
      baseUrlProblem(v, settings.allowInsecureHttp === true) === undefined,
    message: (v, { settings }) => baseUrlProblem(v, settings.allowInsecureHttp === true) ?? '',
  },
  {
    option: 'timeoutMs',
    env: 'SENDFACT_TIMEOUT_MS',
    parse: (text) => (/^\d{1,6}$/.test(text) ? Number(text) : undefined),
    parseMessage: 'must be a whole number of milliseconds',
    default: DEFAULT_TIMEOUT_MS,
    validate: (v) => isInt(v) && min(v, 1) && max(v, MAX_TIMEOUT_MS),
    message: `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
  },
  {
    option: 'accounts',
    // SENDFACT_ACCOUNT_<ID>_USERNAME / _PASSWORD: read and checked one by one in sendfact-accounts.ts.
    validate: optional(isObject),
    message: 'must be an object of { username, password } by account id',
  },
  {
    option: 'credentialsResolver',
    validate: optional((v) => typeof v === 'function'),
    message: 'must be a function',
  },
  {
    option: 'credentialsResolverTimeoutMs',
    default: DEFAULT_CREDENTIALS_RESOLVER_TIMEOUT_MS,
    validate: positiveNumber,
    message: 'must be a positive number',
  },
  {
    option: 'maxConcurrentResolverCalls',
    default: DEFAULT_MAX_CONCURRENT_RESOLVER_CALLS,
    validate: (v) => isInt(v) && min(v, 1),
    message: 'must be a whole number >= 1',
  },
  {
    option: 'defaultAccount',
    env: 'SENDFACT_DEFAULT_ACCOUNT',
    parse: (text) => (ACCOUNT_ID.test(text) ? text : undefined),
    parseMessage: 'must be an account id (letters, digits, _ . : -)',
    default: ({ accounts }) => (accounts.has(DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : undefined),
    validate: (v, { accounts, settings }) =>
      v === undefined ||
      (typeof v === 'string' && (accounts.has(v) || settings.credentialsResolver !== undefined)),
    message: 'names an account that is not configured',
  },
  {
    option: 'refresh',
    default: {},
    validate: (v) =>
      isObject(v) && policyProblems({ ...DEFAULT_REFRESH_POLICY, ...v }).length === 0,
    message: (v) =>
      isObject(v)
        ? policyProblems({ ...DEFAULT_REFRESH_POLICY, ...v })
        : 'must be an object of refresh settings',
  },
  {
    option: 'proactiveRefresh',
    default: false,
    validate: isBoolean,
    message: 'must be true or false',
  },
  {
    option: 'http',
    default: () => ({}),
    validate: isObject,
    message: 'must be an object of axios defaults',
  },
  { option: 'clock', default: systemClock, validate: isObject, message: 'must be a Clock' },
  {
    option: 'tokenStore',
    default: () => new InMemoryTokenStore(),
    validate: isObject,
    message: 'must be a SendfactTokenStore',
  },
  {
    option: 'tokenStoreTimeoutMs',
    default: DEFAULT_TOKEN_STORE_TIMEOUT_MS,
    validate: positiveNumber,
    message: 'must be a positive number',
  },
  {
    option: 'maxAccounts',
    default: DEFAULT_MAX_ACCOUNTS,
    validate: positiveNumber,
    message: 'must be a positive number',
  },
  {
    option: 'maxConcurrentTokenRequests',
    default: DEFAULT_MAX_CONCURRENT_TOKEN_REQUESTS,
    validate: (v) => isInt(v) && min(v, 1),
    message: 'must be a whole number >= 1',
  },
  {
    option: 'accountIdleTtlMs',
    default: DEFAULT_ACCOUNT_IDLE_TTL_MS,
    validate: positiveNumber,
    message: 'must be a positive number',
  },
  {
    option: 'telemetry',
    default: () => ({}),
    validate: (v) => telemetryProblems(v).length === 0,
    message: (v) => telemetryProblems(v),
  },
] satisfies readonly AnySendfactConfigRow[];

export const SENDFACT_CONFIG_TABLE: readonly AnySendfactConfigRow[] = TABLE;

/** Options without a row; `never`, or the check below fails to compile and names them. */
type MissingRows = Exclude<SendfactOptionName, (typeof TABLE)[number]['option']>;
type NoneMissing<T extends never> = T;
/** Compiles only while every option of `SendfactAuthModuleOptions` has its row. */
export type EveryOptionHasARow = NoneMissing<MissingRows>;
