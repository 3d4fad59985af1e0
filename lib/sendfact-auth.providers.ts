import type { Provider } from '@nestjs/common';
import { SendfactAccounts } from './accounts/sendfact-accounts.registry.js';
import { createSendfactTokenFetcher } from './accounts/sendfact-token.fetcher.js';
import { SendfactCpeService } from './cpe/sendfact-cpe.service.js';
import type { SendfactTokenFetcher } from './interfaces/sendfact-token-fetcher.interface.js';
import type { SendfactTokenStore } from './interfaces/sendfact-token-store.interface.js';
import {
  SENDFACT_ACCOUNTS,
  SENDFACT_AUTH_OPTIONS,
  SENDFACT_RESOLVED_OPTIONS,
  SENDFACT_TOKEN_FETCHER,
  SENDFACT_TOKEN_KEY_DERIVER,
  SENDFACT_TOKEN_STORE,
} from './sendfact-auth.constants.js';
import { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import { type ResolvedSendfactAuthOptions, asResolvedOptions } from './sendfact-auth.options.js';
import { SendfactAuthService } from './sendfact-auth.service.js';
import { SendfactHttpService, createSendfactHttpService } from './sendfact-http.service.js';
import { TokenKeyDeriver } from './store/token-key.deriver.js';

/**
 * The providers built on `SENDFACT_AUTH_OPTIONS`, shared by the module and the testing module. The options,
 * the token fetcher, the token store and the accounts are each behind a token, so that a test (or an app) can
 * replace one with `overrideProvider` and keep the rest.
 */
export const SENDFACT_AUTH_PROVIDERS: Provider[] = [
  {
    provide: SENDFACT_RESOLVED_OPTIONS,
    useFactory: asResolvedOptions,
    inject: [SENDFACT_AUTH_OPTIONS],
  },
  {
    provide: SENDFACT_TOKEN_FETCHER,
    useFactory: createSendfactTokenFetcher,
    inject: [SENDFACT_RESOLVED_OPTIONS],
  },
  {
    provide: SENDFACT_TOKEN_STORE,
    useFactory: (options: ResolvedSendfactAuthOptions) => options.tokenStore,
    inject: [SENDFACT_RESOLVED_OPTIONS],
  },
  { provide: SENDFACT_TOKEN_KEY_DERIVER, useFactory: () => new TokenKeyDeriver() },
  {
    provide: SENDFACT_ACCOUNTS,
    useFactory: (
      options: ResolvedSendfactAuthOptions,
      fetcher: SendfactTokenFetcher,
      store: SendfactTokenStore,
      deriver: TokenKeyDeriver,
    ) => new SendfactAccounts(options, fetcher, store, deriver),
    inject: [
      SENDFACT_RESOLVED_OPTIONS,
      SENDFACT_TOKEN_FETCHER,
      SENDFACT_TOKEN_STORE,
      SENDFACT_TOKEN_KEY_DERIVER,
    ],
  },
  SendfactAuthService,
  SendfactAuthInterceptor,
  {
    provide: SendfactHttpService,
    useFactory: createSendfactHttpService,
    inject: [SendfactAuthInterceptor, SENDFACT_RESOLVED_OPTIONS],
  },
  SendfactCpeService,
];

export const SENDFACT_AUTH_EXPORTS = [
  SENDFACT_AUTH_OPTIONS,
  SendfactAuthService,
  SendfactAuthInterceptor,
  SendfactHttpService,
  SendfactCpeService,
];
