import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';
import axios, {
  type AxiosInstance,
  type AxiosProxyConfig,
  type AxiosResponse,
  type CreateAxiosDefaults,
} from 'axios';
import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import {
  SendfactCredentialsError,
  SendfactTokenRequestError,
  SendfactTokenResponseError,
} from '../sendfact-auth.errors.js';
import { parseRetryAfter } from './retry-after.js';
import { parseTokenResponse } from './token-response.parser.js';

export interface SendfactTokenClientOptions {
  baseUrl: string;
  /** Deadline of one token request, headers and body included. */
  timeoutMs: number;
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
  /**
   * The module's `http.proxy`, so that token requests take the same way as API calls: `false` ignores the
   * `HTTPS_PROXY`/`HTTP_PROXY` environment; absent, axios follows it (and `NO_PROXY`).
   */
  proxy?: AxiosProxyConfig | false;
  /** The module's `http.adapter`, so that token requests take the same transport as API calls. */
  adapter?: CreateAxiosDefaults['adapter'];
  wallNow?: () => number;
}

/** The token endpoint answers a few hundred bytes; anything much larger is not a token response. */
const MAX_BODY_BYTES = 64 * 1024;
const TOKEN_PATH = '/api/auth/token';

/**
 * `POST /api/auth/token`, and nothing else: one request, its answer classified into a grant or a typed error.
 * Retries and caching are the engine's. Holds no credentials: each call is given them.
 */
export class SendfactTokenClient {
  readonly #http: AxiosInstance;
  readonly #timeoutMs: number;
  readonly #wallNow: () => number;
  /** `host[:port]/path` of the token endpoint, for error messages: never the query, the body or userinfo. */
  readonly #target: string;

  constructor(options: SendfactTokenClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#target = endpointName(options.baseUrl);
    this.#wallNow = options.wallNow ?? Date.now;
    // An instance of its own: the app's global interceptors must never see the password.
    this.#http = axios.create({
      baseURL: options.baseUrl,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_BODY_BYTES,
      ...(options.httpAgent === undefined ? {} : { httpAgent: options.httpAgent }),
      ...(options.httpsAgent === undefined ? {} : { httpsAgent: options.httpsAgent }),
      ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
      ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
    });
  }

  async requestToken(
    credentials: SendfactCredentials,
    signal: AbortSignal,
    accountId?: string,
  ): Promise<TokenGrant> {
    const ids = accountId === undefined ? {} : { accountId };
    const deadline = new AbortController();
    // Not unref'd: a caller may wait on this request, and the adapter may hold no socket that keeps the
    // process alive (the testing kit's, an app's own); the timer goes when the request settles.
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
    let response: AxiosResponse<string>;
    try {
      response = await this.#http.post<string>(
        TOKEN_PATH,
        JSON.stringify({ username: credentials.username, password: credentials.password }),
        { signal: AbortSignal.any([signal, deadline.signal]) },
      );
    } catch (cause) {
      if (signal.aborted) throw signal.reason;
      if (deadline.signal.aborted) {
        throw new SendfactTokenRequestError(
          `the token request timed out after ${this.#timeoutMs} ms`,
          {
            ...ids,
            retryable: true,
          },
        );
      }
      if (/maxContentLength/.test((cause as Error)?.message ?? '')) {
        throw new SendfactTokenResponseError(
          `the body is larger than ${MAX_BODY_BYTES} bytes`,
          ids,
        );
      }
      const code = (cause as { code?: unknown })?.code;
      throw new SendfactTokenRequestError(
        `the token request failed (${typeof code === 'string' ? code : 'network error'} ${this.#target})`,
        { ...ids, retryable: true, cause },
      );
    } finally {
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
    throw new SendfactTokenRequestError(
      retryable
        ? `the token endpoint answered HTTP ${status}`
        : `the token endpoint answered HTTP ${status}; check the Sendfact base URL`,
      { ...ids, status, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    );
  }

  [inspect.custom](): string {
    return 'SendfactTokenClient {}';
  }
}

function endpointName(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.host}${url.pathname.replace(/\/+$/, '')}${TOKEN_PATH}`;
  } catch {
    return TOKEN_PATH;
  }
}
