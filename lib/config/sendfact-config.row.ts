import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { SendfactAuthModuleOptions } from '../interfaces/sendfact-auth-module-options.interface.js';

/** The names of the variables this module reads, besides `SENDFACT_ACCOUNT_<ID>_*`. */
export type SendfactEnvName =
  | 'SENDFACT_USERNAME'
  | 'SENDFACT_PASSWORD'
  | 'SENDFACT_ENVIRONMENT'
  | 'SENDFACT_BASE_URL'
  | 'SENDFACT_TIMEOUT_MS'
  | 'SENDFACT_ALLOW_INSECURE_HTTP'
  | 'SENDFACT_DEFAULT_ACCOUNT';

/** An option of `forRoot()`. */
export type SendfactOptionName = keyof SendfactAuthModuleOptions;

/** What a row's `default`, `validate` and `message` see besides its own value. */
export interface SendfactConfigContext {
  /** Every option after merging: given, read from the environment, or defaulted by the rows above. */
  readonly settings: Readonly<SendfactAuthModuleOptions>;
  /** Configured logins by account id, the default one (`default`) included. */
  readonly accounts: ReadonlyMap<string, SendfactCredentials>;
  /** Whether accounts were named besides `username`/`password` (in `accounts`, the environment, or a resolver). */
  readonly namedAccounts: boolean;
}

/**
 * One setting: where it comes from, what it defaults to, and what it must be. Options win over the
 * variable; a variable is only parsed (and so only judged) when no option gives the setting.
 */
export interface SendfactConfigRow<K extends SendfactOptionName = SendfactOptionName> {
  /** The option of `forRoot()`. */
  readonly option: K;
  /** The variable read when the option is not given. */
  readonly env?: SendfactEnvName;
  /** The variable's text as the option's value; `undefined` when the text is malformed. */
  readonly parse?: (text: string) => SendfactAuthModuleOptions[K] | undefined;
  /** Said after the variable's name when `parse` refuses its text (else `message`). */
  readonly parseMessage?: string;
  /** The value when neither option nor variable gives one; a function is called with the rows above. */
  readonly default?:
    | SendfactAuthModuleOptions[K]
    | ((context: SendfactConfigContext) => SendfactAuthModuleOptions[K] | undefined);
  /** Whether the merged value (defaults applied, possibly `undefined`) is acceptable. */
  readonly validate: (
    value: SendfactAuthModuleOptions[K] | undefined,
    context: SendfactConfigContext,
  ) => boolean;
  /**
   * Said when `validate` fails, after the variable's or option's name, never showing the value. A list
   * holds whole problems that name their own fields (e.g. `refresh.maxAttempts ...`).
   */
  readonly message:
    | string
    | ((
        value: SendfactAuthModuleOptions[K] | undefined,
        context: SendfactConfigContext,
      ) => string | readonly string[]);
}

/** A row of any option: the table's element type (each row is checked against its own option's type). */
export type AnySendfactConfigRow = {
  [K in SendfactOptionName]: SendfactConfigRow<K>;
}[SendfactOptionName];
