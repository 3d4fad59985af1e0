import { inspect } from 'node:util';
import { registerAs } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  validateSync,
} from 'class-validator';
import { SENDFACT_CONFIG_NAMESPACE } from './sendfact-auth.constants.js';

/** What an account id may be. */
export const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const ACCOUNT_VARIABLE = /^SENDFACT_ACCOUNT_([A-Z0-9_]+)_(USERNAME|PASSWORD)$/;

/**
 * The `SENDFACT_*` environment variables, as read into the `sendfact` config namespace. Values stay strings
 * until the module merges them with its options; validation then names the variable, never its value.
 */
export class SendfactEnvironmentVariables {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  SENDFACT_USERNAME?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  SENDFACT_PASSWORD?: string;

  @IsOptional()
  @IsIn(['demo', 'production'])
  SENDFACT_ENVIRONMENT?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  SENDFACT_BASE_URL?: string;

  @IsOptional()
  @Matches(/^\d{1,6}$/)
  SENDFACT_TIMEOUT_MS?: string;

  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  SENDFACT_ALLOW_INSECURE_HTTP?: string;

  @IsOptional()
  @Matches(ACCOUNT_ID)
  SENDFACT_DEFAULT_ACCOUNT?: string;

  /** From `SENDFACT_ACCOUNT_<ID>_USERNAME` / `_PASSWORD`, by lower-cased id. */
  accounts: Record<string, { username?: string; password?: string }> = {};

  [inspect.custom](): string {
    return `SendfactEnvironmentVariables ${inspect(redactedEnv(this))}`;
  }

  toJSON(): Record<string, unknown> {
    return redactedEnv(this);
  }
}

/** The names of the variables this module reads. */
export type SendfactEnvName =
  | 'SENDFACT_USERNAME'
  | 'SENDFACT_PASSWORD'
  | 'SENDFACT_ENVIRONMENT'
  | 'SENDFACT_BASE_URL'
  | 'SENDFACT_TIMEOUT_MS'
  | 'SENDFACT_ALLOW_INSECURE_HTTP'
  | 'SENDFACT_DEFAULT_ACCOUNT';

/** What each variable must be, in words; used in place of class-validator's messages. */
const EXPECTED: Record<SendfactEnvName, string> = {
  SENDFACT_USERNAME: 'must be a non-empty string',
  SENDFACT_PASSWORD: 'must be a non-empty string',
  SENDFACT_ENVIRONMENT: 'must be "demo" or "production"',
  SENDFACT_BASE_URL: 'must be an http:// or https:// URL',
  SENDFACT_TIMEOUT_MS: 'must be a whole number of milliseconds',
  SENDFACT_ALLOW_INSECURE_HTTP: 'must be "true" or "false"',
  SENDFACT_DEFAULT_ACCOUNT: 'must be an account id (letters, digits, _ . : -)',
};

export const SENDFACT_ENV_VARIABLES = Object.keys(EXPECTED) as SendfactEnvName[];

/** Reads the `SENDFACT_*` variables (empty strings count as unset). */
export function readSendfactEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): SendfactEnvironmentVariables {
  const plain: Record<string, string> = {};
  for (const name of SENDFACT_ENV_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') plain[name] = value;
  }
  const vars = plainToInstance(SendfactEnvironmentVariables, plain);
  for (const [name, value] of Object.entries(env)) {
    const match = ACCOUNT_VARIABLE.exec(name);
    if (match === null || value === undefined || value === '') continue;
    const id = match[1]!.toLowerCase();
    const account = (vars.accounts[id] ??= {});
    if (match[2] === 'USERNAME') account.username = value;
    else account.password = value;
  }
  return vars;
}

/** Validation problems per variable name, worded without the values. */
export function environmentProblems(vars: SendfactEnvironmentVariables): Map<string, string> {
  const problems = new Map<string, string>();
  for (const error of validateSync(vars, { forbidUnknownValues: false })) {
    const name = error.property as SendfactEnvName;
    problems.set(name, `${name} ${EXPECTED[name] ?? 'is malformed'}`);
  }
  return problems;
}

/** The `sendfact` namespace of `@nestjs/config`, fed by the `SENDFACT_*` environment variables. */
export const sendfactConfig = registerAs(SENDFACT_CONFIG_NAMESPACE, () =>
  readSendfactEnvironment(),
);

function redactedEnv(vars: SendfactEnvironmentVariables): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of SENDFACT_ENV_VARIABLES) {
    const value = vars[name];
    if (value !== undefined) out[name] = name === 'SENDFACT_PASSWORD' ? '[redacted]' : value;
  }
  const accounts = Object.entries(vars.accounts ?? {});
  if (accounts.length > 0) {
    out['accounts'] = Object.fromEntries(
      accounts.map(([id, a]) => [
        id,
        { username: a.username, password: a.password === undefined ? undefined : '[redacted]' },
      ]),
    );
  }
  return out;
}
