/**
 * The main entry: `SendfactAuthModule`, the services it provides, its errors and the token engine.
 *
 * @module nestjs-sendfact-auth
 */
export { SendfactAuthModule } from './sendfact-auth.module.js';
export { SendfactAuthService, type SendfactTokenCallOptions } from './sendfact-auth.service.js';
export { SendfactHttpService, type SendfactRequestConfig } from './sendfact-http.service.js';
export { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
export { SendfactCpeService } from './cpe/sendfact-cpe.service.js';
export {
  SendfactDocumentStatus,
  type SendfactDocumentRequest,
  type SendfactErrorBody,
  type SendfactSendResponse,
  type SendfactSignResponse,
  type SendfactStatusResponse,
} from './cpe/sendfact-cpe.types.js';
export {
  SendfactExceptionFilter,
  type SendfactHttpAnswer,
} from './filters/sendfact-exception.filter.js';
export type { AxiosInterceptorHost } from './interfaces/axios-interceptor-host.interface.js';
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
  DEFAULT_ACCOUNT_IDLE_TTL_MS,
  DEFAULT_ENVIRONMENT,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_TOKEN_REQUESTS,
  DEFAULT_MAX_ACCOUNTS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOKEN_STORE_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  SENDFACT_AUTH_OPTIONS,
  SENDFACT_BASE_URLS,
  SENDFACT_CONFIG_NAMESPACE,
  SENDFACT_LOGGER_CONTEXT,
  SENDFACT_TOKEN_FETCHER,
  SENDFACT_TOKEN_STORE,
} from './sendfact-auth.constants.js';
export { ACCOUNT_ID, RESERVED_ACCOUNT_IDS } from './config/account-id.js';
export {
  SendfactAbortedError,
  SendfactApiError,
  SendfactAuthClosedError,
  SendfactAuthError,
  SendfactConfigError,
  SendfactCredentialsError,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  SendfactTooManyAccountsError,
  SendfactUnknownAccountError,
  type SendfactApiErrorDetails,
  type SendfactApiErrorReason,
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
export type { TokenEngineEvent } from './interfaces/token-engine-event.interface.js';
export type { TokenEngineOptions } from './interfaces/token-engine-options.interface.js';
export type { TokenFetcher, TokenGrant } from './interfaces/token-grant.interface.js';
export type { TokenEngineStats, TokenState } from './interfaces/token-state.interface.js';
export type { SendfactTokenFetcher } from './interfaces/sendfact-token-fetcher.interface.js';
export { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from './engine/refresh-policy.js';
export { systemClock, type Clock, type TimerHandle, type TimerOptions } from './engine/clock.js';
