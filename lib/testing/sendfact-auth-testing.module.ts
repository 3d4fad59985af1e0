import { type DynamicModule, Module } from '@nestjs/common';
import { SENDFACT_AUTH_OPTIONS } from '../sendfact-auth.constants.js';
import { resolveSendfactAuthOptions } from '../sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from '../sendfact-auth.providers.js';
import { readSendfactEnvironment } from '../sendfact.config.js';

export interface SendfactAuthTestingOptions {
  /** The token every call gets. Default `sendfact-test-token`. */
  accessToken?: string;
  /** Where `SendfactHttpService` sends requests (your own fake server). Default `http://127.0.0.1:4010`. */
  baseUrl?: string;
  /** How long the fixed token counts as valid. Default one hour. */
  tokenLifetimeMs?: number;
  isGlobal?: boolean;
}

/** The default token of {@link SendfactAuthTestingModule}. */
export const SENDFACT_TEST_TOKEN = 'sendfact-test-token';

/**
 * Stands in for `SendfactAuthModule` in your tests, with no server and no network: the same providers
 * (`SendfactAuthService`, `SendfactHttpService`, `SendfactAuthInterceptor`), handing out a fixed token.
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideModule(SendfactAuthModule).useModule(SendfactAuthTestingModule.forRoot())
 * ```
 */
@Module({})
export class SendfactAuthTestingModule {
  static forRoot(options: SendfactAuthTestingOptions = {}): DynamicModule {
    const accessToken = options.accessToken ?? SENDFACT_TEST_TOKEN;
    const lifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
    const resolved = resolveSendfactAuthOptions(
      {
        username: 'USER00000000000',
        password: 'testing',
        baseUrl: options.baseUrl ?? 'http://127.0.0.1:4010',
        allowInsecureHttp: true,
      },
      readSendfactEnvironment({}),
      { tokenFetcher: async () => ({ accessToken, lifetimeMs }) },
    );
    return {
      module: SendfactAuthTestingModule,
      global: options.isGlobal ?? false,
      providers: [
        { provide: SENDFACT_AUTH_OPTIONS, useValue: resolved },
        ...SENDFACT_AUTH_PROVIDERS,
      ],
      exports: SENDFACT_AUTH_EXPORTS,
    };
  }
}
