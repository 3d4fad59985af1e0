import { Injectable } from '@nestjs/common';
import type {
  AxiosError,
  AxiosRequestConfig,
  AxiosResponse,
  InternalAxiosRequestConfig,
} from 'axios';
import { SendfactOriginGuard } from './http/sendfact-origin.guard.js';
import { isReplayable, scrubToken } from './http/token-scrubber.js';
import type { AxiosInterceptorHost } from './interfaces/axios-interceptor-host.interface.js';
import { SendfactAuthService } from './sendfact-auth.service.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** The Sendfact account whose token this request carries; the default account when absent. */
    sendfactAccount?: string;
  }
}

/** Marks the one replay of a request after a 401 (a string key: axios keeps it when merging configs). */
const REPLAYED = '__sendfactReplayed';

/**
 * Puts `Authorization: Bearer <token>` on axios requests bound for the Sendfact origin, and on no others;
 * on a 401 to a request it authenticated, drops that token (if still current), gets a fresh one and replays
 * the request once. `SendfactHttpService` comes with it installed; `attach()` installs it on your own instance.
 */
@Injectable()
export class SendfactAuthInterceptor {
  readonly #auth: SendfactAuthService;
  readonly #guard: SendfactOriginGuard;
  /**
   * Per request config: the token it carries (a string), `null` for a Sendfact request while no token is
   * held, `false` for a request that is not Sendfact's. Filled by whichever predicate axios asks first, so
   * that both read the same answer in any order, and the token signed is the one the choice was made on.
   */
  readonly #tokens = new WeakMap<object, string | null | false>();

  constructor(auth: SendfactAuthService) {
    this.#auth = auth;
    this.#guard = new SendfactOriginGuard(auth.origin, auth.baseUrl);
  }

  /**
   * Installs the interceptor on `instance` (any axios 1.x instance, whichever typings it was declared
   * with); returns a function that removes it.
   */
  attach(instance: AxiosInterceptorHost): () => void {
    // Hot path: a token is held, so it goes on synchronously; with every interceptor that runs synchronous,
    // axios dispatches at once, as it does with no interceptor at all. Only a request that has to wait for a
    // token takes the asynchronous interceptor. Requests to other origins run neither.
    const signNow = instance.interceptors.request.use(
      (config: InternalAxiosRequestConfig) => this.#signHeld(config),
      null,
      { synchronous: true, runWhen: (config) => typeof this.#lookup(config) === 'string' },
    );
    const signLater = instance.interceptors.request.use(
      (config: InternalAxiosRequestConfig) => this.#waitAndSign(config),
      null,
      { runWhen: (config) => this.#lookup(config) === null },
    );
    // A 401 arrives as an error, or as a response when the caller's validateStatus accepts it.
    const response = instance.interceptors.response.use(
      (res: AxiosResponse) =>
        res.status === 401
          ? this.#recover(instance, res, () => this.#scrub(res))
          : this.#scrub(res),
      (error: unknown) => {
        const failed = (error as AxiosError | undefined)?.response;
        if (failed?.status !== 401) throw this.#scrub(error);
        return this.#recover(instance, failed, () => {
          throw this.#scrub(error);
        });
      },
    );
    return () => {
      instance.interceptors.request.eject(signNow);
      instance.interceptors.request.eject(signLater);
      instance.interceptors.response.eject(response);
    };
  }

  /** Whether a request with this config goes to the Sendfact origin (and so gets the token). */
  isSendfactRequest(
    config: Pick<AxiosRequestConfig, 'url' | 'baseURL' | 'allowAbsoluteUrls'>,
  ): boolean {
    return this.#guard.isSendfactRequest(config);
  }

  #lookup(config: InternalAxiosRequestConfig): string | null | false {
    let found = this.#tokens.get(config);
    if (found === undefined) {
      found = this.#guard.isSendfactRequest(config)
        ? (this.#auth.peekAccessToken(config.sendfactAccount) ?? null)
        : false;
      this.#tokens.set(config, found);
    }
    return found;
  }

  #signHeld(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const token = this.#tokens.get(config);
    // Checked again on the config as it leaves: an interceptor that ran after the predicates (one added
    // later runs earlier) may have changed where it goes.
    if (typeof token !== 'string' || !this.#guard.isSendfactRequest(config)) {
      this.#tokens.set(config, false);
      return config;
    }
    return this.#sign(config, token);
  }

  /** For a Sendfact request when no token is held: waits for the shared token request. */
  #waitAndSign(config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
    const signal = config.signal instanceof AbortSignal ? { signal: config.signal } : undefined;
    return this.#auth.getAccessToken(config.sendfactAccount, signal).then((token) => {
      if (!this.#guard.isSendfactRequest(config)) {
        this.#tokens.set(config, false);
        return config;
      }
      this.#tokens.set(config, token);
      return this.#sign(config, token);
    });
  }

  #sign(config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig {
    config.headers.set('Authorization', `Bearer ${token}`);
    this.#auth.telemetry?.tokenSent(config.sendfactAccount); // telemetry: the token's age at send
    this.#guard.guardRedirects(config);
    return config;
  }

  /** Takes the token out of what goes back to the caller; only for requests this interceptor signed. */
  #scrub<T>(holder: T): T {
    const config = (holder as { config?: object } | undefined)?.config;
    const token = config === undefined ? undefined : this.#tokens.get(config);
    return typeof token === 'string' ? scrubToken(holder, token) : holder;
  }

  /** Recovers a 401 to a request we authenticated; otherwise hands back `unchanged`. */
  async #recover(
    instance: AxiosInterceptorHost,
    response: AxiosResponse,
    unchanged: () => AxiosResponse,
  ): Promise<AxiosResponse> {
    const config = response.config;
    const sentWith = this.#tokens.get(config);
    // Not ours, already replayed once, or said by another origin after a redirect: back to the caller unchanged.
    if (
      typeof sentWith !== 'string' ||
      (config as { [REPLAYED]?: boolean })[REPLAYED] === true ||
      !this.#guard.answeredBySendfact(response.request)
    ) {
      return unchanged();
    }
    const accountId = config.sendfactAccount;
    this.#auth.invalidateAccessToken({
      ...(accountId === undefined ? {} : { accountId }),
      token: sentWith,
    });
    if (!isReplayable(config.data)) return unchanged();
    this.#auth.recordReplay(accountId);
    const replay = () => instance.request({ ...config, [REPLAYED]: true } as AxiosRequestConfig);
    return this.#auth.telemetry?.traceReplay(accountId, replay) ?? replay(); // telemetry: replay span
  }
}
