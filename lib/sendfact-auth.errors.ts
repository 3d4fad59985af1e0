/**
 * The errors this package throws. Every one is a {@link SendfactAuthError}; none carries a password,
 * a token or a raw HTTP exchange (which would hold both), so they are safe to log and to inspect.
 */

// One class a file under errors/, each defined once (so `instanceof` holds whichever path imported it);
// this module gathers them for the package's own imports and for index.ts.
export {
  SendfactAuthError,
  type SendfactAuthErrorCode,
  type SendfactAuthErrorOptions,
} from './errors/sendfact-auth.error.js';
export { SendfactConfigError } from './errors/sendfact-config.error.js';
export {
  SendfactCredentialsError,
  SendfactTokenRejectedError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from './errors/sendfact-token.errors.js';
export {
  SendfactAbortedError,
  SendfactAuthClosedError,
  SendfactCredentialsResolverError,
  SendfactTooManyAccountsError,
  SendfactUnknownAccountError,
} from './errors/sendfact-call.errors.js';
export {
  SendfactApiError,
  type SendfactApiErrorDetails,
  type SendfactApiErrorReason,
} from './errors/sendfact-api.error.js';
