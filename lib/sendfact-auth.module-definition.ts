import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SendfactAuthModuleOptions } from './interfaces/sendfact-auth-module-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableSendfactAuthModule,
  MODULE_OPTIONS_TOKEN: SENDFACT_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: SENDFACT_AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SENDFACT_AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SendfactAuthModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
