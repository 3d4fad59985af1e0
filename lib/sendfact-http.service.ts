import { HttpService } from '@nestjs/axios';
import axios, { type AxiosPromise, type AxiosRequestConfig, type AxiosResponse } from 'axios';
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

/** @internal Factory of the module's `SendfactHttpService` provider. */
export function createSendfactHttpService(
  interceptor: SendfactAuthInterceptor,
  options: ResolvedSendfactAuthOptions,
): SendfactHttpService {
  const instance = axios.create({ ...options.http, baseURL: options.baseUrl });
  interceptor.attach(instance);
  return new SendfactHttpService(instance);
}
