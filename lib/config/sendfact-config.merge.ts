import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { SendfactAuthModuleOptions } from '../interfaces/sendfact-auth-module-options.interface.js';
import { DEFAULT_ACCOUNT_ID } from '../sendfact-auth.constants.js';
import type { SendfactEnvironmentVariables } from '../sendfact.config.js';
import { envFileHint } from './env-file.hint.js';
import { collectAccounts } from './sendfact-accounts.js';
import type { AnySendfactConfigRow, SendfactConfigContext } from './sendfact-config.row.js';
import { SENDFACT_CONFIG_TABLE } from './sendfact-config.table.js';

/** Every setting merged, defaulted and checked; `problems` is empty when the configuration is usable. */
export interface MergedSendfactConfig {
  readonly settings: Readonly<SendfactAuthModuleOptions>;
  /** Configured logins by account id, the default one included. */
  readonly accounts: Map<string, SendfactCredentials>;
  readonly problems: readonly string[];
}

/**
 * Runs the configuration table: options over variables, then defaults, then each row's check. Problems
 * name the option (`the timeoutMs option ...`) or the variable (`SENDFACT_TIMEOUT_MS ...`) the value came
 * from, never the value.
 */
export function mergeSendfactConfig(
  options: SendfactAuthModuleOptions,
  env: SendfactEnvironmentVariables,
  table: readonly AnySendfactConfigRow[] = SENDFACT_CONFIG_TABLE,
): MergedSendfactConfig {
  const settings: Record<string, unknown> = Object.create(null);
  const sources = new Map<string, string>();
  const unparsed = new Set<string>();
  const problems: string[] = [...(env.problems ?? [])];
  const missingVariables: string[] = [];

  for (const row of table) {
    const given = (options as Record<string, unknown>)[row.option];
    if (given !== undefined) {
      settings[row.option] = given;
      sources.set(row.option, `the ${row.option} option`);
      continue;
    }
    if (row.env === undefined) continue;
    sources.set(row.option, row.env);
    const text = env[row.env];
    if (text === undefined || row.parse === undefined) continue;
    const value = row.parse(text);
    if (value === undefined) {
      unparsed.add(row.option);
      problems.push(`${row.env} ${row.parseMessage ?? textOf(row.message)}`);
    } else {
      settings[row.option] = value;
    }
  }

  const collected = collectAccounts(env.accounts ?? {}, settings['accounts']);
  const accounts = collected.accounts;
  problems.push(...collected.problems);
  const { username, password } = settings;
  if (typeof username === 'string' && username.trim() !== '' && typeof password === 'string') {
    accounts.set(DEFAULT_ACCOUNT_ID, { username: username.trim(), password });
  }
  const context: SendfactConfigContext = {
    settings: settings as SendfactAuthModuleOptions,
    accounts,
    namedAccounts: collected.named || settings['credentialsResolver'] !== undefined,
  };

  for (const row of table) {
    if (settings[row.option] !== undefined || unparsed.has(row.option)) continue;
    const fallback = (row as CheckableRow).default;
    settings[row.option] = typeof fallback === 'function' ? fallback(context) : fallback;
  }

  for (const row of table) {
    if (unparsed.has(row.option)) continue;
    const check = row as CheckableRow;
    const value = settings[row.option];
    if (check.validate(value, context)) continue;
    const said =
      typeof check.message === 'function' ? check.message(value, context) : check.message;
    const source = sources.get(row.option) ?? `the ${row.option} option`;
    if (typeof said === 'string') problems.push(`${source} ${said}`);
    else problems.push(...said);
    if (value === undefined && row.env !== undefined && source === row.env)
      missingVariables.push(row.env);
  }

  return {
    settings: context.settings,
    accounts,
    problems: withHint(problems, missingVariables),
  };
}

/** A row whose value type is erased: the table pairs each row with its own option's value. */
type CheckableRow = {
  default?: unknown;
  validate: (value: unknown, context: SendfactConfigContext) => boolean;
  message:
    string | ((value: unknown, context: SendfactConfigContext) => string | readonly string[]);
};

function textOf(message: AnySendfactConfigRow['message']): string {
  return typeof message === 'string' ? message : 'is malformed';
}

/** Appends, to the first required variable, why a `.env` that sets it may not have been read. */
function withHint(problems: string[], missing: string[]): string[] {
  const hint = envFileHint(missing);
  if (hint === undefined) return problems;
  const at = problems.findIndex((p) => missing.some((name) => p === `${name} is required`));
  return problems.map((p, i) => (i === at ? `${p} (${hint})` : p));
}
