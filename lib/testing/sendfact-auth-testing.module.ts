import { type DynamicModule, Module } from '@nestjs/common';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { SendfactAuthModuleOptions } from '../interfaces/sendfact-auth-module-options.interface.js';
import { SENDFACT_AUTH_OPTIONS } from '../sendfact-auth.constants.js';
import {
  type ResolvedSendfactAuthOptions,
  resolveSendfactAuthOptions,
} from '../sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from '../sendfact-auth.providers.js';
import { readSendfactEnvironment } from '../sendfact.config.js';

/** Options of {@link SendfactAuthTestingModule.forRoot} and {@link createSendfactTestingOptions}. */
export interface SendfactAuthTestingOptions {
  /**
   * The token of the default account. Default `sendfact-test-token`. Every other login gets this token, a dot
   * and its username (`sendfact-test-token.USER20100070970`), so that a test tells the accounts apart.
   */
  accessToken?: string;
  /** Where `SendfactHttpService` sends requests (your own fake server). Default `http://127.0.0.1:4010`. */
  baseUrl?: string;
  /** How long the fixed tokens live. Default one hour. */
  tokenLifetimeMs?: number;
  /**
   * Answers `SendfactHttpService`'s requests in-process (an axios adapter): no server, no network. The
   * request has passed the real interceptor, so `request.headers.Authorization` is `Bearer <token>`. Without
   * it, requests go to `baseUrl`. The token endpoint is always answered in-process, never by `respond`.
   */
  respond?: (request: SendfactTestRequest) => SendfactTestResponse | Promise<SendfactTestResponse>;
  /** Named accounts, as `SendfactAuthModule.forRoot({ accounts })` takes them: each gets its own token. */
  accounts?: SendfactAuthModuleOptions['accounts'];
  /** Accounts not in `accounts`, as `SendfactAuthModule.forRoot({ credentialsResolver })` takes it. */
  credentialsResolver?: SendfactAuthModuleOptions['credentialsResolver'];
  /** Register the providers globally. */
  isGlobal?: boolean;
}

/** A request as `respond` sees it. */
export interface SendfactTestRequest {
  /** `GET`, `POST`, ... (upper case). */
  method: string;
  /** Path and query, e.g. `/api/cpe/send` or `/api/cpe/F001-1/status?x=1`. */
  url: string;
  /** The account the request was sent for (`sendfactAccount`); `undefined` for the default account. */
  account: string | undefined;
  /** The headers as axios sends them: `Authorization` is `Bearer <token>`, `Content-Type`, ... */
  headers: Record<string, string>;
  /** The body: parsed when it is JSON, else as sent. */
  data: unknown;
}

/** What `respond` answers; status defaults to 200. Non-2xx statuses reject as axios does. */
export interface SendfactTestResponse {
  status?: number;
  data?: unknown;
  headers?: Record<string, string>;
}

/** The default token of {@link SendfactAuthTestingModule}. */
export const SENDFACT_TEST_TOKEN = 'sendfact-test-token';

/** The login of the default account of the testing module. */
const TEST_LOGIN: Readonly<SendfactCredentials> = Object.freeze({
  username: 'USER00000000000',
  password: 'testing',
});

/**
 * Stands in for `SendfactAuthModule` in your tests, with no server and no network: the same providers
 * (`SendfactAuthService`, `SendfactHttpService`, `SendfactCpeService`, `SendfactAuthInterceptor`), the
 * real token cycle, and Sendfact's token endpoint answered in-process with fixed tokens.
 *
 * ```ts
 * Test.createTestingModule({ imports: [SendfactAuthTestingModule.forRoot({ isGlobal: true }), InvoicesModule] })
 * ```
 */
@Module({})
export class SendfactAuthTestingModule {
  /** The module, handing out `options.accessToken` (default {@link SENDFACT_TEST_TOKEN}). */
  static forRoot(options: SendfactAuthTestingOptions = {}): DynamicModule {
    return {
      module: SendfactAuthTestingModule,
      global: options.isGlobal ?? false,
      providers: [
        { provide: SENDFACT_AUTH_OPTIONS, useValue: createSendfactTestingOptions(options) },
        ...SENDFACT_AUTH_PROVIDERS,
      ],
      exports: SENDFACT_AUTH_EXPORTS,
    };
  }
}

/**
 * Options that make the real module hand out fixed tokens (and, with `respond`, answer in-process). For an
 * app that registers `SendfactAuthModule` itself, one line keeps its tests off Sendfact, whatever
 * `SENDFACT_*` holds:
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(SENDFACT_AUTH_OPTIONS).useValue(createSendfactTestingOptions({ respond }))
 * ```
 */
export function createSendfactTestingOptions(
  options: Omit<SendfactAuthTestingOptions, 'isGlobal'> = {},
): ResolvedSendfactAuthOptions {
  return resolveSendfactAuthOptions(
    {
      ...TEST_LOGIN,
      baseUrl: options.baseUrl ?? 'http://127.0.0.1:4010',
      allowInsecureHttp: true,
      http: { adapter: testingAdapter(options) },
      ...(options.accounts === undefined ? {} : { accounts: options.accounts }),
      ...(options.credentialsResolver === undefined
        ? {}
        : { credentialsResolver: options.credentialsResolver }),
    },
    readSendfactEnvironment({}),
  );
}

/**
 * The transport of the testing options: the token endpoint answered with the fixed tokens, and every other
 * request given to `respond`, or sent for real when there is none.
 */
function testingAdapter(options: SendfactAuthTestingOptions): AxiosAdapter {
  const accessToken = options.accessToken ?? SENDFACT_TEST_TOKEN;
  const lifetimeSeconds = (options.tokenLifetimeMs ?? 3_600_000) / 1000;
  const respond = options.respond;
  return async (config) => {
    const url = new URL(axios.getUri(config));
    if (config.method === 'post' && url.pathname.endsWith('/api/auth/token')) {
      const login = JSON.parse(String(config.data ?? '{}')) as Partial<SendfactCredentials>;
      const token =
        login.username === TEST_LOGIN.username ? accessToken : `${accessToken}.${login.username}`;
      const body = { access_token: token, token_type: 'JWT', expires_in: String(lifetimeSeconds) };
      return answer(config, { status: 200, data: JSON.stringify(body) });
    }
    if (respond === undefined) return axios.getAdapter('http')(config);
    const headers = AxiosHeaders.from(config.headers).toJSON(true) as Record<string, string>;
    let data: unknown = config.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        // not JSON: handed over as sent
      }
    }
    const got = await respond({
      method: (config.method ?? 'get').toUpperCase(),
      url: `${url.pathname}${url.search}`,
      account: config.sendfactAccount,
      headers,
      data,
    });
    return answer(config, got);
  };
}

/** Settles as axios's own adapters do: a response, or an AxiosError when `validateStatus` refuses it. */
function answer(config: InternalAxiosRequestConfig, got: SendfactTestResponse): AxiosResponse {
  const status = got.status ?? 200;
  const response: AxiosResponse = {
    status,
    statusText: String(status),
    headers: new AxiosHeaders({ 'content-type': 'application/json', ...got.headers }),
    config,
    data: got.data,
    request: {},
  };
  const validate = config.validateStatus ?? ((s: number) => s >= 200 && s < 300);
  if (validate(status)) return response;
  throw new AxiosError(
    `Request failed with status code ${status}`,
    status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
    config,
    response.request,
    response,
  );
}
