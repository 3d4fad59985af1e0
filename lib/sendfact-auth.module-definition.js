import { ConfigurableModuleBuilder } from '@nestjs/common';
export const { ConfigurableModuleClass: ConfigurableSendfactAuthModule, MODULE_OPTIONS_TOKEN: SENDFACT_AUTH_MODULE_OPTIONS, OPTIONS_TYPE: SENDFACT_AUTH_OPTIONS_TYPE, ASYNC_OPTIONS_TYPE: SENDFACT_AUTH_ASYNC_OPTIONS_TYPE, } = new ConfigurableModuleBuilder()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
}))
    .build();
//# sourceMappingURL=sendfact-auth.module-definition.js.map