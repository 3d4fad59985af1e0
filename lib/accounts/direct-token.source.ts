import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenRequest, TokenSource } from '../interfaces/token-source.interface.js';
import { SendfactCredentialsError } from '../sendfact-auth.errors.js';

/**
 * One account's tokens straight from the token endpoint, through the `SENDFACT_TOKEN_FETCHER` provider, with
 * the account's login: resolved once, and again after Sendfact refused it (rotated in the tenant database?).
 */
export class DirectTokenSource implements TokenSource {
  readonly #accountId: string;
  readonly #resolve: () => Promise<SendfactCredentials>;
  readonly #fetcher: SendfactTokenFetcher;
  #login: Promise<SendfactCredentials> | undefined;
  #credentials: SendfactCredentials | undefined;

  /** `login`, when given, is the account's login already resolved (asked again after Sendfact refuses it). */
  constructor(
    accountId: string,
    resolve: () => Promise<SendfactCredentials>,
    fetcher: SendfactTokenFetcher,
    login?: SendfactCredentials,
  ) {
    this.#accountId = accountId;
    this.#resolve = resolve;
    this.#fetcher = fetcher;
    if (login !== undefined) {
      this.#credentials = login;
      this.#login = Promise.resolve(login);
    }
  }

  /** The login once resolved; `undefined` before the first token request, or after Sendfact refused it. */
  get credentials(): SendfactCredentials | undefined {
    return this.#credentials;
  }

  /** The account's login, resolved on first use. */
  login(): Promise<SendfactCredentials> {
    if (this.#login === undefined) {
      const login = this.#resolve();
      this.#login = login;
      login.then(
        (credentials) => {
          if (this.#login === login) this.#credentials = credentials;
        },
        () => {
          if (this.#login === login) this.#login = undefined;
        },
      );
    }
    return this.#login;
  }

  async token({ signal }: TokenRequest): Promise<TokenGrant> {
    const login = await this.login();
    try {
      return await this.#fetcher.requestToken(login, signal, this.#accountId);
    } catch (error) {
      if (error instanceof SendfactCredentialsError && this.#credentials === login) {
        this.#login = undefined;
        this.#credentials = undefined;
      }
      throw error;
    }
  }
}
