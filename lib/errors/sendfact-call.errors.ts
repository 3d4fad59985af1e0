/** Errors a call meets from the module's state rather than from Sendfact: aborted, shut down, no such account, no room. */
import {
  SendfactAuthError,
  type SendfactAuthErrorOptions,
  forAccount,
  quoted,
} from './sendfact-auth.error.js';

/** The caller's `AbortSignal` fired while it waited for a token. Other callers are not affected. */
export class SendfactAbortedError extends SendfactAuthError {
  override readonly name = 'SendfactAbortedError';
  override readonly code = 'ABORTED';

  constructor(options: SendfactAuthErrorOptions = {}) {
    super(
      `The wait for a Sendfact token was aborted by the caller${forAccount(options.accountId)}`,
      options,
    );
  }
}

/** The module was shut down (`app.close()`) while a token was being obtained, or used after it. */
export class SendfactAuthClosedError extends SendfactAuthError {
  override readonly name = 'SendfactAuthClosedError';
  override readonly code = 'CLOSED';

  constructor(options: SendfactAuthErrorOptions = {}) {
    super(`The Sendfact auth module is shut down${forAccount(options.accountId)}`, options);
  }
}

/** A call named an account that is neither configured nor known to the credentials resolver. */
export class SendfactUnknownAccountError extends SendfactAuthError {
  override readonly name = 'SendfactUnknownAccountError';
  override readonly code = 'UNKNOWN_ACCOUNT';

  /** Why the id itself was refused before any lookup, when it was. */
  readonly problem?: string;

  constructor(accountId: string | undefined, problem?: string) {
    super(
      problem !== undefined && accountId !== undefined
        ? `No Sendfact account ${quoted(accountId)}: the id ${problem}`
        : accountId === undefined
          ? 'No default Sendfact account: name an account, or set SENDFACT_USERNAME/SENDFACT_PASSWORD or defaultAccount'
          : `No Sendfact account ${quoted(accountId)}: add it to accounts (or SENDFACT_ACCOUNT_<ID>_*), or let the credentialsResolver know it`,
      accountId === undefined ? {} : { accountId },
    );
    if (problem !== undefined) this.problem = problem;
  }
}

/**
 * The `credentialsResolver` threw, or gave no answer within `credentialsResolverTimeoutMs`, for an account:
 * no token was asked for. Code `CREDENTIALS_RESOLVER`; retryable (the next call asks the resolver again).
 * The resolver's own error is kept as `cause`, reduced to its name and message.
 */
export class SendfactCredentialsResolverError extends SendfactAuthError {
  override readonly name = 'SendfactCredentialsResolverError';
  override readonly code = 'CREDENTIALS_RESOLVER';
  override readonly retryable = true;
  /** Whether it gave no answer in time (otherwise it threw). */
  readonly timedOut: boolean;

  constructor(timeoutMs: number | undefined, options: SendfactAuthErrorOptions = {}) {
    super(
      timeoutMs === undefined
        ? `The credentials resolver failed${forAccount(options.accountId)}`
        : `The credentials resolver gave no answer in ${timeoutMs} ms${forAccount(options.accountId)}`,
      options,
    );
    this.timedOut = timeoutMs !== undefined;
  }
}

/**
 * A call named an account that would be one more than `maxAccounts`, and no account held could make room:
 * every one has a token request under way. Code `TOO_MANY_ACCOUNTS`; `retryable` is true: room is made as
 * those token requests end. Raise `maxAccounts` if this happens under normal load.
 */
export class SendfactTooManyAccountsError extends SendfactAuthError {
  override readonly name = 'SendfactTooManyAccountsError';
  override readonly code = 'TOO_MANY_ACCOUNTS';
  override readonly retryable = true;
  /** The `maxAccounts` limit that was reached. */
  readonly maxAccounts: number;

  constructor(maxAccounts: number, options: SendfactAuthErrorOptions = {}) {
    super(
      `Cannot take on Sendfact account${options.accountId === undefined ? '' : ` ${quoted(options.accountId)}`}: ` +
        `all ${maxAccounts} accounts held (maxAccounts) have a token request under way. Try again shortly, ` +
        'or raise maxAccounts.',
      options,
    );
    this.maxAccounts = maxAccounts;
  }
}
