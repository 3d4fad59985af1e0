export { SendfactAuthModule } from './sendfact-auth.module.js';
export { SendfactAuthService } from './sendfact-auth.service.js';
export { SendfactHttpService } from './sendfact-http.service.js';
export { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
export { ResolvedSendfactAuthOptions, resolveSendfactAuthOptions, } from './sendfact-auth.options.js';
export { sendfactConfig, readSendfactEnvironment, SendfactEnvironmentVariables, } from './sendfact.config.js';
export { DEFAULT_ACCOUNT_ID, DEFAULT_TIMEOUT_MS, SENDFACT_AUTH_OPTIONS, SENDFACT_BASE_URLS, SENDFACT_CONFIG_NAMESPACE, SENDFACT_LOGGER_CONTEXT, } from './sendfact-auth.constants.js';
export { SendfactAbortedError, SendfactAuthClosedError, SendfactAuthError, SendfactConfigError, SendfactCredentialsError, SendfactTokenRequestError, SendfactTokenResponseError, } from './sendfact-auth.errors.js';
export { TokenEngine } from './engine/token-engine.js';
export { DEFAULT_REFRESH_POLICY } from './engine/refresh-policy.js';
export { systemClock } from './engine/clock.js';
//# sourceMappingURL=index.js.map