/**
 * The main entry: `SendfactAuthModule`, the services and clients it provides, the exception filter, the
 * errors, and the types of its options and stores. What is not exported here is private to the package.
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
export { sendfactConfig } from './sendfact.config.js';
export {
  SENDFACT_AUTH_OPTIONS,
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
  SendfactCredentialsResolverError,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
  SendfactTooManyAccountsError,
  SendfactUnknownAccountError,
  type SendfactApiErrorDetails,
  type SendfactApiErrorReason,
  type SendfactAuthErrorCode,
  type SendfactAuthErrorOptions,
} from './sendfact-auth.errors.js';
export { InMemoryTokenStore } from './store/in-memory-token.store.js';
export type { AxiosInterceptorHost } from './interfaces/axios-interceptor-host.interface.js';
export type { Clock, TimerHandle, TimerOptions } from './interfaces/clock.interface.js';
export type { RefreshPolicy } from './interfaces/refresh-policy.interface.js';
export type {
  SendfactAuthModuleAsyncOptions,
  SendfactAuthModuleOptions,
  SendfactAuthModuleRootOptions,
  SendfactEnvironment,
} from './interfaces/sendfact-auth-module-options.interface.js';
export type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';
export type { SendfactEnvironmentVariables } from './sendfact.config.js';
export type { SendfactTelemetryOptions } from './interfaces/sendfact-telemetry-options.interface.js';
export type {
  SendfactAuthStats,
  SendfactTokenEvent,
} from './interfaces/sendfact-token-event.interface.js';
export type { TokenEngineEvent } from './interfaces/token-engine-event.interface.js';
export type { TokenEngineStats, TokenState } from './interfaces/token-state.interface.js';
export type { SendfactCredentials } from './interfaces/sendfact-credentials.interface.js';
export type {
  SendfactTokenStore,
  StoredToken,
} from './interfaces/sendfact-token-store.interface.js';
export type { SendfactTokenFetcher } from './interfaces/sendfact-token-fetcher.interface.js';
export type { TokenGrant } from './interfaces/token-grant.interface.js';
