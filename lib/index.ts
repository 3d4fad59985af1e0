/**
 * The main entry: `SendfactAuthModule`, the services it provides, its errors and the token engine.
 *
 * @module nestjs-sendfact-auth
 */
export { SendfactAuthModule } from './sendfact-auth.module.js';
export { SendfactAuthService, type SendfactTokenCallOptions } from './sendfact-auth.service.js';
export { SendfactHttpService, type SendfactRequestConfig } from './sendfact-http.service.js';
export { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
export {
  ResolvedSendfactAuthOptions,
  resolveSendfactAuthOptions,
} from './sendfact-auth.options.js';
export {
  sendfactConfig,
  readSendfactEnvironment,
  SendfactEnvironmentVariables,
} from './sendfact.config.js';
export {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_TIMEOUT_MS,
  SENDFACT_AUTH_OPTIONS,
  SENDFACT_BASE_URLS,
  SENDFACT_CONFIG_NAMESPACE,
  SENDFACT_LOGGER_CONTEXT,
} from './sendfact-auth.constants.js';
export {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactConfigError,
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  SendfactUnknownAccountError,
  type SendfactAuthErrorCode,
} from './sendfact-auth.errors.js';
export type {
  SendfactAuthModuleOptions,
  SendfactEnvironment,
} from './interfaces/sendfact-auth-module-options.interface.js';
export type { SendfactTelemetryOptions } from './interfaces/sendfact-telemetry-options.interface.js';
export type {
  SendfactAuthStats,
  SendfactTokenEvent,
} from './interfaces/sendfact-token-event.interface.js';
export type { SendfactCredentials } from './client/sendfact-token.client.js';
export type {
  SendfactTokenStore,
  StoredToken,
} from './interfaces/sendfact-token-store.interface.js';
export { InMemoryTokenStore } from './store/in-memory-token.store.js';
export { TokenEngine } from './engine/token-engine.js';
export type {
  TokenEngineEvent,
  TokenEngineOptions,
  TokenEngineStats,
  TokenFetcher,
  TokenGrant,
  TokenState,
} from './engine/token-engine.js';
export { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from './engine/refresh-policy.js';
export { systemClock, type Clock, type TimerHandle } from './engine/clock.js';
