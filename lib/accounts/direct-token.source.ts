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
    if (login !== undefined) this.#login = Promise.resolve(login);
  }

  /** The account's login, resolved on first use. */
  login(): Promise<SendfactCredentials> {
    if (this.#login === undefined) {
      const login = this.#resolve();
      this.#login = login;
      login.catch(() => {
        if (this.#login === login) this.#login = undefined;
      });
    }
    return this.#login;
  }

  async token({ signal }: TokenRequest): Promise<TokenGrant> {
    const pending = this.login();
    const login = await pending;
    try {
      return await this.#fetcher.requestToken(login, signal, this.#accountId);
    } catch (error) {
      // Refused: ask for the login again next time, unless another request already did.
      if (error instanceof SendfactCredentialsError && this.#login === pending)
        this.#login = undefined;
      throw error;
    }
  }
}
