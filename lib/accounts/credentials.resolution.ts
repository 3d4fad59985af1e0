import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import { SendfactAuthError, SendfactUnknownAccountError } from '../sendfact-auth.errors.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';

/**
 * The login of `accountId`: the configured one, else the `credentialsResolver`'s. A resolver that throws is
 * reported without its message's secrets as a cause; one that finds nothing usable means an unknown account.
 */
export async function resolveCredentials(
  options: ResolvedSendfactAuthOptions,
  accountId: string,
): Promise<SendfactCredentials> {
  const configured = options.credentialsFor(accountId);
  if (configured !== undefined) return configured;
  const resolver = options.credentialsResolver;
  if (resolver === undefined) throw new SendfactUnknownAccountError(accountId);
  let found: SendfactCredentials | undefined;
  try {
    found = await resolver(accountId);
  } catch (cause) {
    throw new SendfactAuthError(`The credentials resolver failed for account "${accountId}"`, {
      accountId,
      cause,
    });
  }
  if (
    found === undefined ||
    found === null ||
    typeof found.username !== 'string' ||
    typeof found.password !== 'string' ||
    found.username === '' ||
    found.password === ''
  ) {
    throw new SendfactUnknownAccountError(accountId);
  }
  return { username: found.username, password: found.password };
}

/** Whether `accountId` can have credentials at all: configured, or a resolver may know it. */
export function mayHaveCredentials(
  options: ResolvedSendfactAuthOptions,
  accountId: string,
): boolean {
  return (
    options.credentialsFor(accountId) !== undefined || options.credentialsResolver !== undefined
  );
}
