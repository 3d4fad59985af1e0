var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var SendfactAuthTestingModule_1;
import { Module } from '@nestjs/common';
import { AxiosError, AxiosHeaders } from 'axios';
import { SENDFACT_AUTH_OPTIONS } from '../sendfact-auth.constants.js';
import { resolveSendfactAuthOptions, } from '../sendfact-auth.options.js';
import { SENDFACT_AUTH_EXPORTS, SENDFACT_AUTH_PROVIDERS } from '../sendfact-auth.providers.js';
import { readSendfactEnvironment } from '../sendfact.config.js';
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
let SendfactAuthTestingModule = SendfactAuthTestingModule_1 = class SendfactAuthTestingModule {
    static forRoot(options = {}) {
        return {
            module: SendfactAuthTestingModule_1,
            global: options.isGlobal ?? false,
            providers: [
                { provide: SENDFACT_AUTH_OPTIONS, useValue: createSendfactTestingOptions(options) },
                ...SENDFACT_AUTH_PROVIDERS,
            ],
            exports: SENDFACT_AUTH_EXPORTS,
        };
    }
};
SendfactAuthTestingModule = SendfactAuthTestingModule_1 = __decorate([
    Module({})
], SendfactAuthTestingModule);
export { SendfactAuthTestingModule };
/**
 * Options that make the real module hand out a fixed token (and, with `respond`, answer in-process). For
 * an app that registers `SendfactAuthModule` itself:
 *
 * ```ts
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(SENDFACT_AUTH_OPTIONS).useValue(createSendfactTestingOptions({ respond }))
 * ```
 */
export function createSendfactTestingOptions(options = {}) {
    const accessToken = options.accessToken ?? SENDFACT_TEST_TOKEN;
    const lifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
    return resolveSendfactAuthOptions({
        username: 'USER00000000000',
        password: 'testing',
        baseUrl: options.baseUrl ?? 'http://127.0.0.1:4010',
        allowInsecureHttp: true,
        ...(options.respond === undefined ? {} : { http: { adapter: adapterFor(options.respond) } }),
    }, readSendfactEnvironment({}), { tokenFetcher: async () => ({ accessToken, lifetimeMs }) });
}
function adapterFor(respond) {
    return async (config) => {
        const headers = AxiosHeaders.from(config.headers).toJSON(true);
        const url = new URL(config.url ?? '/', config.baseURL ?? 'http://localhost');
        let data = config.data;
        if (typeof data === 'string') {
            try {
                data = JSON.parse(data);
            }
            catch {
                // not JSON: handed over as sent
            }
        }
        const answer = await respond({
            method: (config.method ?? 'get').toUpperCase(),
            url: `${url.pathname}${url.search}`,
            headers,
            data,
        });
        const response = {
            status: answer.status ?? 200,
            statusText: String(answer.status ?? 200),
            headers: new AxiosHeaders({ 'content-type': 'application/json', ...answer.headers }),
            config,
            data: answer.data,
            request: {},
        };
        const validate = config.validateStatus ?? ((status) => status >= 200 && status < 300);
        if (validate(response.status))
            return response;
        throw new AxiosError(`Request failed with status code ${response.status}`, response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST, config, response.request, response);
    };
}
//# sourceMappingURL=sendfact-auth-testing.module.js.map