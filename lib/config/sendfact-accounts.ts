import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import { accountIdProblem } from './account-id.js';

/** The accounts named besides the default login, and what is wrong with them. */
export interface CollectedAccounts {
  /** Complete logins by account id. A `Map`: ids never touch an object's prototype chain. */
  readonly accounts: Map<string, SendfactCredentials>;
  /** Whether any account was named at all, complete or not. */
  readonly named: boolean;
  readonly problems: string[];
}

type AccountInput = { username?: unknown; password?: unknown } | null | undefined;

/**
 * The accounts of `SENDFACT_ACCOUNT_<ID>_*` (ids already checked by the reader), then those of the
 * `accounts` option over them. Each problem names the variable or the option's key.
 */
export function collectAccounts(
  fromEnv: Readonly<Record<string, { username?: string; password?: string }>>,
  fromOption: unknown,
): CollectedAccounts {
  const accounts = new Map<string, SendfactCredentials>();
  const problems: string[] = [];
  const sources: [string, AccountInput, (field: string) => string, string][] = [];
  for (const id of Object.keys(fromEnv)) {
    const name = (field: string) => `SENDFACT_ACCOUNT_${id.toUpperCase()}_${field.toUpperCase()}`;
    sources.push([id, fromEnv[id], name, name('*')]);
  }
  if (typeof fromOption === 'object' && fromOption !== null) {
    // Object.keys lists an own `__proto__` key (as JSON.parse makes one), so it is seen and refused.
    for (const id of Object.keys(fromOption)) {
      const account = (fromOption as Record<string, AccountInput>)[id];
      const key = id.slice(0, 64);
      sources.push([
        id,
        account,
        (field) => `accounts.${key}.${field}`,
        `the accounts option key ${JSON.stringify(key)}`,
      ]);
    }
  }
  for (const [id, account, name, label] of sources) {
    const idProblem = accountIdProblem(id);
    if (idProblem !== undefined) {
      problems.push(`${label} ${idProblem}`);
      continue;
    }
    const { username, password } = account ?? {};
    let complete = true;
    for (const [field, value] of [
      ['username', username],
      ['password', password],
    ] as const) {
      if (typeof value === 'string' && value.trim() !== '') continue;
      problems.push(`${name(field)} is required`);
      complete = false;
    }
    if (complete)
      accounts.set(id, { username: (username as string).trim(), password: password as string });
  }
  return { accounts, named: sources.length > 0, problems };
}
