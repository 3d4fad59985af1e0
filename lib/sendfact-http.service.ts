import axios, {
  type AxiosInstance,
  type AxiosRequestConfig,
  type AxiosResponse,
  type CreateAxiosDefaults,
} from 'axios';
import type { Observable } from 'rxjs';
import { observeRequest } from './http/observe-request.js';
import type { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';

/** Request options of `SendfactHttpService`: axios's, plus the account whose token the request carries. */
// oxlint-disable-next-line typescript/no-explicit-any -- the same default as axios and HttpService
export type SendfactRequestConfig<D = any> = AxiosRequestConfig<D> & { sendfactAccount?: string };

/* oxlint-disable typescript/no-explicit-any -- the same `any` defaults as axios and HttpService */
/**
 * The Sendfact API client, with the methods of `@nestjs/axios`'s `HttpService` (Observables, cancelled
 * when the subscriber leaves early) over an axios instance of its own (never the global one, never the app's
 * `HttpModule`): `baseURL` set to the Sendfact base URL, bearer tokens attached and refreshed.
 *
 * ```ts
 * const { data } = await firstValueFrom(this.sendfactHttp.post('/api/cpe/send', body));
 * ```
 */
export class SendfactHttpService {
  readonly #instance: AxiosInstance;
  readonly #interceptor: SendfactAuthInterceptor;
  readonly #accounts = new Map<string, SendfactHttpService>();

  /** @internal The module builds it; use `forAccount()` for another account. */
  constructor(instance: AxiosInstance, interceptor: SendfactAuthInterceptor) {
    this.#instance = instance;
    this.#interceptor = interceptor;
  }

  /** The axios instance underneath, for Promise-based calls; it carries the token the same way. */
  get axiosRef(): AxiosInstance {
    return this.#instance;
  }

  /** As `HttpService.request`; `config.sendfactAccount` picks the account. */
  request<T = any, D = any>(config: SendfactRequestConfig<D>): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) => this.#instance.request<T, AxiosResponse<T, D>, D>(c));
  }

  /** As `HttpService.get`; `config.sendfactAccount` picks the account. */
  get<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) => this.#instance.get<T, AxiosResponse<T, D>, D>(url, c));
  }

  /** As `HttpService.delete`; `config.sendfactAccount` picks the account. */
  delete<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) => this.#instance.delete<T, AxiosResponse<T, D>, D>(url, c));
  }

  /** As `HttpService.head`; `config.sendfactAccount` picks the account. */
  head<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) => this.#instance.head<T, AxiosResponse<T, D>, D>(url, c));
  }

  /** As `HttpService.post`; `config.sendfactAccount` picks the account. */
  post<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.post<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /** As `HttpService.put`; `config.sendfactAccount` picks the account. */
  put<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.put<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /** As `HttpService.patch`; `config.sendfactAccount` picks the account. */
  patch<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.patch<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /** As `HttpService.postForm` (multipart body); `config.sendfactAccount` picks the account. */
  postForm<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.postForm<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /** As `HttpService.putForm` (multipart body); `config.sendfactAccount` picks the account. */
  putForm<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.putForm<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /** As `HttpService.patchForm` (multipart body); `config.sendfactAccount` picks the account. */
  patchForm<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return observeRequest(config, (c) =>
      this.#instance.patchForm<T, AxiosResponse<T, D>, D>(url, data, c),
    );
  }

  /**
   * The same client for another account: every request it sends carries that account's token. It is a new
   * axios instance with this one's defaults plus `sendfactAccount` (so `axiosRef` carries it too), with the
   * bearer interceptor installed by `SendfactAuthInterceptor.attach()`; interceptors you added to this
   * client's `axiosRef` are not copied. Cached per account.
   */
  forAccount(accountId: string): SendfactHttpService {
    let client = this.#accounts.get(accountId);
    if (client === undefined) {
      const instance = axios.create({
        ...this.#instance.defaults,
        sendfactAccount: accountId,
      } as CreateAxiosDefaults);
      this.#interceptor.attach(instance);
      client = new SendfactHttpService(instance, this.#interceptor);
      // A client per account seen; bounded so that an unbounded tenant list cannot grow it forever.
      if (this.#accounts.size >= 1_000)
        this.#accounts.delete(this.#accounts.keys().next().value as string);
      this.#accounts.set(accountId, client);
    }
    return client;
  }
}
/* oxlint-enable typescript/no-explicit-any */

/** @internal Factory of the module's `SendfactHttpService` provider, as `HttpModule.register` builds its own. */
export function createSendfactHttpService(
  interceptor: SendfactAuthInterceptor,
  options: ResolvedSendfactAuthOptions,
): SendfactHttpService {
  const instance = axios.create({ ...options.http, baseURL: options.baseUrl });
  interceptor.attach(instance);
  return new SendfactHttpService(instance, interceptor);
}
