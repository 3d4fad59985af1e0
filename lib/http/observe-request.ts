import type { AxiosRequestConfig, AxiosResponse, GenericAbortSignal } from 'axios';
import { Observable } from 'rxjs';

/**
 * Runs an axios call per subscription, as `@nestjs/axios`'s `HttpService` does (unsubscribing cancels the
 * request), except that a request which has already answered is not cancelled: `firstValueFrom` tears down
 * after every answer, and cancelling then built a `CanceledError`, stack trace included, for nothing.
 */
export function observeRequest<T, C extends AxiosRequestConfig>(
  config: C | undefined,
  call: (config: C) => Promise<AxiosResponse<T>>,
): Observable<AxiosResponse<T>> {
  return new Observable<AxiosResponse<T>>((subscriber) => {
    const own = { ...config } as C;
    const source =
      own.cancelToken === undefined && own.signal === undefined ? new TeardownSignal() : undefined;
    if (source !== undefined) own.signal = source;
    let settled = false;
    call(own).then(
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
      if (!settled && source !== undefined && own.responseType !== 'stream') source.abort();
    };
  });
}

/**
 * The smallest abort signal axios takes (its public `GenericAbortSignal`): what is needed to cancel a
 * request whose subscriber leaves early, without the promise a `CancelToken` or the event target an
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
