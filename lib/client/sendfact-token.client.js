import { inspect } from 'node:util';
import axios from 'axios';
import { SendfactCredentialsError, SendfactTokenRequestError, SendfactTokenResponseError, } from '../sendfact-auth.errors.js';
import { parseRetryAfter } from './retry-after.js';
import { parseTokenResponse } from './token-response.parser.js';
/** The token endpoint answers a few hundred bytes; anything much larger is not a token response. */
const MAX_BODY_BYTES = 64 * 1024;
const TOKEN_PATH = '/api/auth/token';
/**
 * `POST /api/auth/token`, and nothing else: one request, its answer classified into a grant or a typed error.
 * Retries and caching are the engine's. Holds no credentials: each call is given them.
 */
export class SendfactTokenClient {
    #http;
    #timeoutMs;
    #wallNow;
    constructor(options) {
        this.#timeoutMs = options.timeoutMs;
        this.#wallNow = options.wallNow ?? Date.now;
        // An instance of its own: the app's global interceptors must never see the password.
        this.#http = axios.create({
            baseURL: options.baseUrl,
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            responseType: 'text',
            transformResponse: [(data) => data],
            validateStatus: () => true,
            maxRedirects: 0,
            maxContentLength: MAX_BODY_BYTES,
            ...(options.httpAgent === undefined ? {} : { httpAgent: options.httpAgent }),
            ...(options.httpsAgent === undefined ? {} : { httpsAgent: options.httpsAgent }),
        });
    }
    async requestToken(credentials, signal, accountId) {
        const ids = accountId === undefined ? {} : { accountId };
        const deadline = new AbortController();
        const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
        timer.unref();
        let response;
        try {
            response = await this.#http.post(TOKEN_PATH, JSON.stringify({ username: credentials.username, password: credentials.password }), { signal: AbortSignal.any([signal, deadline.signal]) });
        }
        catch (cause) {
            if (signal.aborted)
                throw signal.reason;
            if (deadline.signal.aborted) {
                throw new SendfactTokenRequestError(`the token request timed out after ${this.#timeoutMs} ms`, {
                    ...ids,
                    retryable: true,
                });
            }
            if (/maxContentLength/.test(cause?.message ?? '')) {
                throw new SendfactTokenResponseError(`the body is larger than ${MAX_BODY_BYTES} bytes`, ids);
            }
            const code = cause?.code;
            throw new SendfactTokenRequestError(`the token request failed (${typeof code === 'string' ? code : 'network error'})`, { ...ids, retryable: true, cause });
        }
        finally {
            clearTimeout(timer);
        }
        const { status } = response;
        if (status >= 200 && status < 300) {
            const parsed = parseTokenResponse(String(response.data ?? ''), this.#wallNow(), accountId);
            return { accessToken: parsed.accessToken, lifetimeMs: parsed.lifetimeMs };
        }
        if (status === 400 || status === 401 || status === 403)
            throw new SendfactCredentialsError(status, ids);
        const retryable = status === 408 || status === 429 || status >= 500;
        const retryAfterMs = retryable
            ? parseRetryAfter(response.headers['retry-after'], this.#wallNow())
            : undefined;
        throw new SendfactTokenRequestError(retryable
            ? `the token endpoint answered HTTP ${status}`
            : `the token endpoint answered HTTP ${status}; check the Sendfact base URL`, { ...ids, status, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    [inspect.custom]() {
        return 'SendfactTokenClient {}';
    }
}
//# sourceMappingURL=sendfact-token.client.js.map