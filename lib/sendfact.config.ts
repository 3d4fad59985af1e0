import { inspect } from 'node:util';
import { registerAs } from '@nestjs/config';
import { ACCOUNT_VARIABLE, accountVariableIdProblem } from './config/account-id.js';
import type { SendfactEnvName } from './config/sendfact-config.row.js';
import { SENDFACT_CONFIG_TABLE } from './config/sendfact-config.table.js';
import { SENDFACT_CONFIG_NAMESPACE } from './sendfact-auth.constants.js';

export { ACCOUNT_ID } from './config/account-id.js';
export type { SendfactEnvName } from './config/sendfact-config.row.js';

/** The variables of the configuration table, in its order. */
export const SENDFACT_ENV_VARIABLES: readonly SendfactEnvName[] = SENDFACT_CONFIG_TABLE.flatMap(
  (row) => (row.env === undefined ? [] : [row.env]),
);

/**
 * The `SENDFACT_*` environment variables, as read into the `sendfact` config namespace. Values stay the
 * variables' text; the module parses and checks them (see its configuration table) when it merges them with
 * its options, naming the variable, never its value.
 */
export class SendfactEnvironmentVariables {
  SENDFACT_USERNAME?: string;
  SENDFACT_PASSWORD?: string;
  SENDFACT_ENVIRONMENT?: string;
  SENDFACT_BASE_URL?: string;
  SENDFACT_TIMEOUT_MS?: string;
  SENDFACT_ALLOW_INSECURE_HTTP?: string;
  SENDFACT_DEFAULT_ACCOUNT?: string;

  /**
   * From `SENDFACT_ACCOUNT_<ID>_USERNAME` / `_PASSWORD`, by lower-cased id. A null-prototype object: no id
   * can reach `Object.prototype` through it.
   */
  accounts: Record<string, { username?: string; password?: string }> = Object.create(null);

  /** `SENDFACT_ACCOUNT_*` variables whose names were refused, each saying why; the module fails its boot on them. */
  problems: string[] = [];

  [inspect.custom](): string {
    return `SendfactEnvironmentVariables ${inspect(redactedEnv(this))}`;
  }

  toJSON(): Record<string, unknown> {
    return redactedEnv(this);
  }
}

/** Reads the `SENDFACT_*` variables (empty strings count as unset). */
export function readSendfactEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): SendfactEnvironmentVariables {
  const vars = new SendfactEnvironmentVariables();
  for (const name of SENDFACT_ENV_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') vars[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    const match = ACCOUNT_VARIABLE.exec(name);
    if (match === null || value === undefined || value === '') continue;
    const problem = accountVariableIdProblem(match[1]!);
    if (problem !== undefined) {
      vars.problems.push(`${name} ${problem}`);
      continue;
    }
    const id = match[1]!.toLowerCase();
    const account = (vars.accounts[id] ??= {});
    if (match[2] === 'USERNAME') account.username = value;
    else account.password = value;
  }
  return vars;
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
    const shown: Record<string, unknown> = Object.create(null);
    for (const [id, a] of accounts) {
      shown[id] = {
        username: a.username,
        password: a.password === undefined ? undefined : '[redacted]',
      };
    }
    out['accounts'] = shown;
  }
  return out;
}
