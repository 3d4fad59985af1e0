import { HttpService } from '@nestjs/axios';
import axios, {
  type AxiosPromise,
  type AxiosRequestConfig,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type GenericAbortSignal,
} from 'axios';
import { Observable } from 'rxjs';
import type { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';

/** Request options of `SendfactHttpService`: axios's, plus the account whose token the request carries. */
// oxlint-disable-next-line typescript/no-explicit-any -- the same default as axios and HttpService
export type SendfactRequestConfig<D = any> = AxiosRequestConfig<D> & { sendfactAccount?: string };

/**
 * An `@nestjs/axios` `HttpService` for the Sendfact API: its own axios instance (never the global one, never
 * the app's `HttpModule`), `baseURL` set to the Sendfact base URL, bearer tokens attached and refreshed.
 *
 * ```ts
 * const { data } = await firstValueFrom(this.sendfactHttp.post('/api/cpe/send', body));
 * ```
 */
export class SendfactHttpService extends HttpService {
  // The request methods again, typed with SendfactRequestConfig: on Nest 11, @nestjs/axios 4 sees axios's
  // CommonJS typings, which this ESM package's augmentation of axios does not reach. Same `any` defaults.
  /* oxlint-disable typescript/no-explicit-any */
  /** As `HttpService.request`; `config.sendfactAccount` picks the account. */
  override request<T = any>(config: SendfactRequestConfig): Observable<AxiosResponse<T>> {
    return super.request<T>(config as never);
  }

  /** As `HttpService.get`; `config.sendfactAccount` picks the account. */
  override get<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.get<T, D>(url, config as never);
  }

  /** As `HttpService.delete`; `config.sendfactAccount` picks the account. */
  override delete<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.delete<T, D>(url, config as never);
  }

  /** As `HttpService.head`; `config.sendfactAccount` picks the account. */
  override head<T = any, D = any>(
    url: string,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.head<T, D>(url, config as never);
  }

  /** As `HttpService.post`; `config.sendfactAccount` picks the account. */
  override post<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.post<T, D>(url, data, config as never);
  }

  /** As `HttpService.put`; `config.sendfactAccount` picks the account. */
  override put<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.put<T, D>(url, data, config as never);
  }

  /** As `HttpService.patch`; `config.sendfactAccount` picks the account. */
  override patch<T = any, D = any>(
    url: string,
    data?: D,
    config?: SendfactRequestConfig<D>,
  ): Observable<AxiosResponse<T, D>> {
    return super.patch<T, D>(url, data, config as never);
  }
  /* oxlint-enable typescript/no-explicit-any */

  readonly #accounts = new Map<string, SendfactHttpService>();

  /**
   * The same client for another account: every request it sends carries that account's token (its axios
   * instance has `sendfactAccount` in its defaults, so `axiosRef` does too). Cached per account.
   */
  forAccount(accountId: string): SendfactHttpService {
    let client = this.#accounts.get(accountId);
    if (client === undefined) {
      const instance = axios.create({
        ...this.axiosRef.defaults,
        sendfactAccount: accountId,
      } as CreateAxiosDefaults);
      // The same interceptors as this client's, so the account's requests are handled alike.
      copyInterceptors(this.axiosRef, instance);
      client = new SendfactHttpService(instance as unknown as SendfactHttpService['axiosRef']);
      // A client per account seen; bounded so that an unbounded tenant list cannot grow it forever.
      if (this.#accounts.size >= 1_000)
        this.#accounts.delete(this.#accounts.keys().next().value as string);
      this.#accounts.set(accountId, client);
    }
    return client;
  }

  /**
   * As in `HttpService` (unsubscribing cancels the request), except that a request which has already
   * answered is not cancelled. `HttpService` cancels on every teardown, and `firstValueFrom` tears down
   * after every answer: each call built a `CanceledError`, stack trace included, for nothing.
   */
  protected override makeObservable<T>(
    call: (...args: unknown[]) => AxiosPromise<T>,
    ...args: unknown[]
  ): Observable<AxiosResponse<T>> {
    return new Observable<AxiosResponse<T>>((subscriber) => {
      const callArgs = [...args];
      const last = callArgs.length - 1;
      const config: AxiosRequestConfig = { ...(callArgs[last] as AxiosRequestConfig | undefined) };
      callArgs[last] = config;
      const source =
        config.cancelToken === undefined && config.signal === undefined
          ? new TeardownSignal()
          : undefined;
      if (source !== undefined) config.signal = source;
      let settled = false;
      call(...callArgs).then(
        (response) => {
          settled = true;
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
      );
      return () => {
        if (!settled && source !== undefined && config.responseType !== 'stream') source.abort();
      };
    });
  }
}

/** What copyInterceptors needs of an axios instance: structural, so axios's ESM and CommonJS typings both fit. */
interface InterceptorHost {
  interceptors: { request: unknown; response: unknown };
}

function copyInterceptors(from: InterceptorHost, to: InterceptorHost): void {
  type Handlers = {
    handlers: ({
      fulfilled: never;
      rejected: never;
      synchronous?: boolean;
      runWhen?: never;
    } | null)[];
  };
  for (const kind of ['request', 'response'] as const) {
    for (const handler of (from.interceptors[kind] as unknown as Handlers).handlers) {
      if (handler !== null)
        (to.interceptors[kind] as { use: (...args: unknown[]) => number }).use(
          handler.fulfilled,
          handler.rejected,
        );
    }
  }
}

/**
 * The smallest abort signal axios takes (its public `GenericAbortSignal`): what `HttpService` needs to cancel
 * a request whose subscriber leaves early, without the promise a `CancelToken` or the event target an
 * `AbortController` costs on every call.
 */
class TeardownSignal implements GenericAbortSignal {
  aborted = false;
  #listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i !== -1) this.#listeners.splice(i, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

/** @internal Factory of the module's `SendfactHttpService` provider. */
export function createSendfactHttpService(
  interceptor: SendfactAuthInterceptor,
  options: ResolvedSendfactAuthOptions,
): SendfactHttpService {
  const instance = axios.create({ ...options.http, baseURL: options.baseUrl });
  interceptor.attach(instance);
  // @nestjs/axios 4 (Nest 11) is CommonJS, so its AxiosInstance is axios's CommonJS typing: the same
  // interface declared twice, which TypeScript does not unify with the one this ESM file sees.
  return new SendfactHttpService(instance as unknown as SendfactHttpService['axiosRef']);
}
