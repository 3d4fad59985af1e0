/**
 * The errors this package throws. Every one is a {@link SendfactAuthError}; none carries a password,
 * a token or a raw HTTP exchange (which would hold both), so they are safe to log and to inspect.
 */
/** Base class of every error of this package. */
export class SendfactAuthError extends Error {
    constructor(message, options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: safeCause(options.cause) });
        this.name = 'SendfactAuthError';
        this.code = 'TOKEN_REQUEST';
        /** Whether trying again later may succeed. */
        this.retryable = false;
        if (options.accountId !== undefined)
            this.accountId = options.accountId;
    }
}
/** The module's configuration is missing or malformed. Thrown while the application boots. */
export class SendfactConfigError extends SendfactAuthError {
    constructor(problems) {
        super(`Invalid Sendfact configuration: ${problems.join('; ')}`);
        this.name = 'SendfactConfigError';
        this.code = 'CONFIG';
        this.problems = [...problems];
    }
}
/** Sendfact refused the username or password (HTTP 400, 401 or 403 from the token endpoint). Not retried. */
export class SendfactCredentialsError extends SendfactAuthError {
    constructor(status, options = {}) {
        super(`Sendfact rejected the credentials${forAccount(options.accountId)} (HTTP ${status} from /api/auth/token). ` +
            'Check SENDFACT_USERNAME and SENDFACT_PASSWORD (or the account configuration).', options);
        this.name = 'SendfactCredentialsError';
        this.code = 'CREDENTIALS';
        this.status = status;
    }
}
/**
 * The token request failed on the way: network fault, time-out, HTTP 408, 429 or 5xx (retryable), or an
 * unexpected status such as 404 (not retryable: usually a wrong base URL). Thrown once the retries are spent.
 */
export class SendfactTokenRequestError extends SendfactAuthError {
    constructor(message, details) {
        super(message, details);
        this.name = 'SendfactTokenRequestError';
        this.code = 'TOKEN_REQUEST';
        /** How many token requests this failure took. */
        this.attempts = 1;
        this.retryable = details.retryable;
        if (details.status !== undefined)
            this.status = details.status;
        if (details.retryAfterMs !== undefined)
            this.retryAfterMs = details.retryAfterMs;
    }
}
/** The token endpoint answered 200 with a body that is not a usable token response. */
export class SendfactTokenResponseError extends SendfactAuthError {
    constructor(problem, options = {}) {
        super(`Sendfact's token response was unusable${forAccount(options.accountId)}: ${problem}`, options);
        this.name = 'SendfactTokenResponseError';
        this.code = 'TOKEN_RESPONSE';
    }
}
/** The caller's `AbortSignal` fired while it waited for a token. Other callers are not affected. */
export class SendfactAbortedError extends SendfactAuthError {
    constructor(options = {}) {
        super(`The wait for a Sendfact token was aborted by the caller${forAccount(options.accountId)}`, options);
        this.name = 'SendfactAbortedError';
        this.code = 'ABORTED';
    }
}
/** The module was shut down (`app.close()`) while a token was being obtained, or used after it. */
export class SendfactAuthClosedError extends SendfactAuthError {
    constructor(options = {}) {
        super(`The Sendfact auth module is shut down${forAccount(options.accountId)}`, options);
        this.name = 'SendfactAuthClosedError';
        this.code = 'CLOSED';
    }
}
function forAccount(accountId) {
    return accountId === undefined || accountId === 'default' ? '' : ` for account "${accountId}"`;
}
/**
 * An underlying error, reduced to what is safe to keep. An AxiosError holds the request config, whose
 * body is `{username, password}`, and the response, which may hold a token: neither may be kept.
 */
function safeCause(cause) {
    if (cause instanceof SendfactAuthError)
        return cause;
    if (!(cause instanceof Error))
        return new Error(String(cause));
    const safe = new Error(cause.message);
    safe.name = cause.name;
    const code = cause.code;
    if (typeof code === 'string')
        safe.code = code;
    safe.stack = `${safe.name}: ${safe.message}`;
    return safe;
}
//# sourceMappingURL=sendfact-auth.errors.js.map