var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ConfigurableSendfactAuthModule, SENDFACT_AUTH_MODULE_OPTIONS, } from './sendfact-auth.module-definition.js';
import { SENDFACT_AUTH_OPTIONS } from './sendfact-auth.constants.js';
import { resolveSendfactAuthOptions } from './sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from './sendfact-auth.providers.js';
import { sendfactConfig } from './sendfact.config.js';
/**
 * Register once: `SendfactAuthModule.forRoot()` reads `SENDFACT_*` from the environment;
 * `forRoot({...})` / `forRootAsync({ imports, inject, useFactory, isGlobal })` take options that win over it.
 * Provides `SendfactAuthService`, `SendfactHttpService` and `SendfactAuthInterceptor`.
 */
let SendfactAuthModule = class SendfactAuthModule extends ConfigurableSendfactAuthModule {
    static forRoot(options = {}) {
        return super.forRoot(options);
    }
    static forRootAsync(options) {
        return super.forRootAsync(options);
    }
};
SendfactAuthModule = __decorate([
    Module({
        imports: [ConfigModule.forFeature(sendfactConfig)],
        providers: [
            {
                provide: SENDFACT_AUTH_OPTIONS,
                useFactory: (options, env) => resolveSendfactAuthOptions(options, env),
                inject: [SENDFACT_AUTH_MODULE_OPTIONS, sendfactConfig.KEY],
            },
            ...SENDFACT_AUTH_PROVIDERS,
        ],
        exports: SENDFACT_AUTH_EXPORTS,
    })
], SendfactAuthModule);
export { SendfactAuthModule };
//# sourceMappingURL=sendfact-auth.module.js.map