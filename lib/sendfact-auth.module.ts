import { ConfigModule } from '@nestjs/config';
import { type DynamicModule, Module } from '@nestjs/common';
import {
  ConfigurableSendfactAuthModule,
  SENDFACT_AUTH_MODULE_OPTIONS,
} from './sendfact-auth.module-definition.js';
import type {
  SendfactAuthModuleAsyncOptions,
  SendfactAuthModuleOptions,
  SendfactAuthModuleRootOptions,
} from './interfaces/sendfact-auth-module-options.interface.js';
import { sendfactBootChecks } from './config/sendfact-boot.checks.js';
import { SENDFACT_AUTH_OPTIONS } from './sendfact-auth.constants.js';
import { resolveSendfactAuthOptions } from './sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from './sendfact-auth.providers.js';
import { type SendfactEnvironmentVariables, sendfactConfig } from './sendfact.config.js';

/**
 * Register once: `SendfactAuthModule.forRoot()` reads `SENDFACT_*` from the environment;
 * `forRoot({...})` / `forRootAsync({ imports, inject, useFactory, isGlobal })` take options that win over it.
 * Provides `SendfactAuthService`, `SendfactHttpService` and `SendfactAuthInterceptor`.
 */
@Module({
  imports: [ConfigModule.forFeature(sendfactConfig)],
  providers: [
    {
      provide: SENDFACT_AUTH_OPTIONS,
      useFactory: (options: SendfactAuthModuleOptions, env: SendfactEnvironmentVariables) =>
        resolveSendfactAuthOptions(options, env),
      inject: [SENDFACT_AUTH_MODULE_OPTIONS, sendfactConfig.KEY],
    },
    ...SENDFACT_AUTH_PROVIDERS,
    sendfactBootChecks(() => SendfactAuthModule, SENDFACT_AUTH_MODULE_OPTIONS),
  ],
  exports: SENDFACT_AUTH_EXPORTS,
})
export class SendfactAuthModule {
  /** Options in code (they win over `SENDFACT_*`), or none to read the environment alone. */
  static forRoot(options: SendfactAuthModuleRootOptions = {}): DynamicModule {
    // The builder's module, as this one: its options provider, on this module's providers and imports.
    return { ...ConfigurableSendfactAuthModule.forRoot(options), module: SendfactAuthModule };
  }

  /** Options from a factory with injected dependencies (`imports`, `inject`, `useFactory`, `isGlobal`). */
  static forRootAsync(options: SendfactAuthModuleAsyncOptions): DynamicModule {
    return { ...ConfigurableSendfactAuthModule.forRootAsync(options), module: SendfactAuthModule };
  }
}
