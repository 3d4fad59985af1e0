import { HttpService } from '@nestjs/axios';
import axios, {
  type AxiosInstance,
  type AxiosPromise,
  type AxiosRequestConfig,
  type AxiosResponse,
  type CreateAxiosDefaults,
} from 'axios';
import { Observable } from 'rxjs';
import type { SendfactAuthInterceptor } from './sendfact-auth.interceptor.js';
import type { ResolvedSendfactAuthOptions } from './sendfact-auth.options.js';

/**
 * An `@nestjs/axios` `HttpService` for the Sendfact API: its own axios instance (never the global one, never
 * the app's `HttpModule`), `baseURL` set to the Sendfact base URL, bearer tokens attached and refreshed.
 *
 * ```ts
 * const { data } = await firstValueFrom(this.sendfactHttp.post('/api/cpe/send', body));
 * ```
 */
export class SendfactHttpService extends HttpService {
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
      client = new SendfactHttpService(instance);
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
      const source = config.cancelToken === undefined ? axios.CancelToken.source() : undefined;
      if (source !== undefined) config.cancelToken = source.token;
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
        if (!settled && source !== undefined && config.responseType !== 'stream') source.cancel();
      };
    });
  }
}

function copyInterceptors(from: AxiosInstance, to: AxiosInstance): void {
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

/** @internal Factory of the module's `SendfactHttpService` provider. */
export function createSendfactHttpService(
  interceptor: SendfactAuthInterceptor,
  options: ResolvedSendfactAuthOptions,
): SendfactHttpService {
  const instance = axios.create({ ...options.http, baseURL: options.baseUrl });
  interceptor.attach(instance);
  return new SendfactHttpService(instance);
}
