import { type DynamicModule, Module } from '@nestjs/common';
import { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse } from 'axios';
import { substituteTokenFetcher } from '../accounts/sendfact-token.fetcher.js';
import type { SendfactTokenFetcher } from '../interfaces/sendfact-token-fetcher.interface.js';
import { SENDFACT_AUTH_OPTIONS, SENDFACT_TOKEN_FETCHER } from '../sendfact-auth.constants.js';
import {
  type ResolvedSendfactAuthOptions,
  resolveSendfactAuthOptions,
} from '../sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from '../sendfact-auth.providers.js';
import { readSendfactEnvironment } from '../sendfact.config.js';

/** Options of {@link SendfactAuthTestingModule.forRoot} and {@link createSendfactTestingOptions}. */
export interface SendfactAuthTestingOptions {
  /** The token every call gets. Default `sendfact-test-token`. */
  accessToken?: string;
  /** Where `SendfactHttpService` sends requests (your own fake server). Default `http://127.0.0.1:4010`. */
  baseUrl?: string;
  /** How long the fixed token counts as valid. Default one hour. */
  tokenLifetimeMs?: number;
  /**
   * Answers `SendfactHttpService`'s requests in-process (an axios adapter): no server, no network. The
   * request has passed the real interceptor, so `request.headers.Authorization` is `Bearer <accessToken>`.
   * Without it, requests go to `baseUrl`.
   */
  respond?: (request: SendfactTestRequest) => SendfactTestResponse | Promise<SendfactTestResponse>;
  /** Register the providers globally. */
  isGlobal?: boolean;
}

/** A request as `respond` sees it. */
export interface SendfactTestRequest {
  method: string;
  /** Path and query, e.g. `/api/cpe/send`. */
  url: string;
  headers: Record<string, string>;
  /** The JSON body, parsed. */
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

/**
 * Stands in for `SendfactAuthModule` in your tests, with no server and no network: the same providers
 * (`SendfactAuthService`, `SendfactHttpService`, `SendfactAuthInterceptor`), handing out a fixed token.
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
        // Listed after the module's own, so it replaces the token endpoint's fetcher.
        { provide: SENDFACT_TOKEN_FETCHER, useValue: fixedTokenFetcher(options) },
      ],
      exports: SENDFACT_AUTH_EXPORTS,
    };
  }
}

/**
 * Options that make the real module hand out a fixed token (and, with `respond`, answer in-process). For
 * an app that registers `SendfactAuthModule` itself:
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(SENDFACT_AUTH_OPTIONS).useValue(createSendfactTestingOptions({ respond }))
 * ```
 */
export function createSendfactTestingOptions(
  options: Omit<SendfactAuthTestingOptions, 'isGlobal'> = {},
): ResolvedSendfactAuthOptions {
  const resolved = resolveSendfactAuthOptions(
    {
      username: 'USER00000000000',
      password: 'testing',
      baseUrl: options.baseUrl ?? 'http://127.0.0.1:4010',
      allowInsecureHttp: true,
      ...(options.respond === undefined ? {} : { http: { adapter: adapterFor(options.respond) } }),
    },
    readSendfactEnvironment({}),
  );
  // An app that overrides only SENDFACT_AUTH_OPTIONS keeps the module's own fetcher provider: these options
  // tell it to hand out the fixed token instead of calling the token endpoint.
  substituteTokenFetcher(resolved, fixedTokenFetcher(options));
  return resolved;
}

/** Hands out the fixed token, whatever the account and its credentials. */
function fixedTokenFetcher(options: SendfactAuthTestingOptions): SendfactTokenFetcher {
  const accessToken = options.accessToken ?? SENDFACT_TEST_TOKEN;
  const lifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
  return { requestToken: async () => ({ accessToken, lifetimeMs }) };
}

function adapterFor(respond: NonNullable<SendfactAuthTestingOptions['respond']>): AxiosAdapter {
  return async (config) => {
    const headers = AxiosHeaders.from(config.headers).toJSON(true) as Record<string, string>;
    const url = new URL(config.url ?? '/', config.baseURL ?? 'http://localhost');
    let data: unknown = config.data;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        // not JSON: handed over as sent
      }
    }
    const answer = await respond({
      method: (config.method ?? 'get').toUpperCase(),
      url: `${url.pathname}${url.search}`,
      headers,
      data,
    });
    const response: AxiosResponse = {
      status: answer.status ?? 200,
      statusText: String(answer.status ?? 200),
      headers: new AxiosHeaders({ 'content-type': 'application/json', ...answer.headers }),
      config,
      data: answer.data,
      request: {},
    };
    const validate = config.validateStatus ?? ((status: number) => status >= 200 && status < 300);
    if (validate(response.status)) return response;
    throw new AxiosError(
      `Request failed with status code ${response.status}`,
      response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      response.request,
      response,
    );
  };
}
