import { Injectable } from '@nestjs/common';
import type {
  AxiosError,
  AxiosInstance,
  AxiosRequestConfig,
  AxiosResponse,
  InternalAxiosRequestConfig,
} from 'axios';
import { SendfactAuthService } from './sendfact-auth.service.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** The Sendfact account whose token this request carries; the default account when absent. */
    sendfactAccount?: string;
  }
}

/** Same test axios uses to tell an absolute URL from a path. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;
/** What callers see in place of the token once the request is done. */
const REDACTED = 'Bearer [redacted]';
/** Marks the one replay of a request after a 401 (a string key: axios keeps it when merging configs). */
const REPLAYED = '__sendfactReplayed';

type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;

/**
 * Puts `Authorization: Bearer <token>` on axios requests bound for the Sendfact origin, and on no others;
 * on a 401 to a request it authenticated, drops that token (if still current), gets a fresh one and replays
 * the request once. `SendfactHttpService` comes with it installed; `attach()` installs it on your own instance.
 */
@Injectable()
export class SendfactAuthInterceptor {
  readonly #auth: SendfactAuthService;
  readonly #origin: string;
  readonly #baseUrl: string;
  /** Which token each in-flight request carried, to invalidate exactly that one on a 401. */
  readonly #sentWith = new WeakMap<object, string>();
  readonly #wrappedRedirectHooks = new WeakSet<BeforeRedirect>();
  readonly #baseOrigins = new Map<string, string>();

  constructor(auth: SendfactAuthService) {
    this.#auth = auth;
    this.#origin = auth.origin;
    this.#baseUrl = auth.baseUrl;
  }

  /** Installs the interceptor on `instance`; returns a function that removes it. */
  attach(instance: AxiosInstance): () => void {
    // Hot path: a token is held, so it goes on synchronously; with every interceptor that runs synchronous,
    // axios dispatches at once, as it does with no interceptor at all. Only a request that has to wait for a
    // token takes the asynchronous interceptor. Requests to other origins run neither.
    const signNow = instance.interceptors.request.use(
      (config) => this.#sign(config, this.#sentWith.get(config)!),
      undefined,
      {
        synchronous: true,
        runWhen: (config) => this.#claimHeldToken(config),
      },
    );
    const signLater = instance.interceptors.request.use(
      (config) => this.#waitAndSign(config),
      undefined,
      {
        runWhen: (config) => !this.#sentWith.has(config) && this.isSendfactRequest(config),
      },
    );
    // A 401 arrives as an error, or as a response when the caller's validateStatus accepts it.
    const response = instance.interceptors.response.use(
      (res) =>
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
    const { url, baseURL } = config;
    if (url !== undefined && config.allowAbsoluteUrls !== false && ABSOLUTE_URL.test(url)) {
      return originOf(url) === this.#origin;
    }
    if (baseURL === undefined || baseURL === '') return false;
    if (baseURL === this.#baseUrl) return true;
    let origin = this.#baseOrigins.get(baseURL);
    if (origin === undefined) {
      origin = originOf(baseURL);
      if (this.#baseOrigins.size < 64) this.#baseOrigins.set(baseURL, origin);
    }
    return origin === this.#origin;
  }

  /** For a Sendfact request when a token is held now: remembers it for this request and says so. */
  #claimHeldToken(config: InternalAxiosRequestConfig): boolean {
    if (!this.isSendfactRequest(config)) return false;
    const token = this.#auth.peekAccessToken(config.sendfactAccount);
    if (token === undefined) return false;
    this.#sentWith.set(config, token);
    return true;
  }

  /** For a Sendfact request when no token is held: waits for the shared token request. */
  #waitAndSign(config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
    const signal = config.signal instanceof AbortSignal ? { signal: config.signal } : undefined;
    return this.#auth.getAccessToken(config.sendfactAccount, signal).then((token) => {
      this.#sentWith.set(config, token);
      return this.#sign(config, token);
    });
  }

  #sign(config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig {
    config.headers.set('Authorization', `Bearer ${token}`);
    this.#auth.telemetry?.tokenSent(config.sendfactAccount); // telemetry: the token's age at send
    const hook = config.beforeRedirect;
    if (
      config.maxRedirects !== 0 &&
      hook !== this.#redirectGuard &&
      !(hook && this.#wrappedRedirectHooks.has(hook))
    ) {
      config.beforeRedirect =
        hook === undefined ? this.#redirectGuard : this.#wrapRedirectHook(hook);
    }
    return config;
  }

  /**
   * Takes the token out of what goes back to the caller (and so into their logs): the request is sent, so
   * `config.headers.Authorization` is redacted and `request` (whose raw `_header` holds it) is hidden from
   * `util.inspect`. Only for requests this interceptor authenticated.
   */
  #scrub<T>(holder: T): T {
    const target = holder as {
      config?: InternalAxiosRequestConfig;
      request?: unknown;
      response?: { request?: unknown };
    };
    const config = target?.config;
    if (config === undefined || !this.#sentWith.has(config)) return holder;
    config.headers?.set?.('Authorization', REDACTED);
    hide(target, 'request');
    if (target.response !== undefined) hide(target.response, 'request');
    // A spent stream body holds the request it was piped into, raw headers included.
    if (!isReplayable(config.data)) hide(config, 'data');
    return holder;
  }

  /** Whether the answer came from the Sendfact origin (not from where a redirect led). */
  #answeredBySendfact(response: AxiosResponse): boolean {
    const request = response.request as { res?: { responseUrl?: unknown } } | undefined;
    const finalUrl = request?.res?.responseUrl;
    return typeof finalUrl !== 'string' || originOf(finalUrl) === this.#origin;
  }

  /** The token must not follow a redirect off the Sendfact origin (not even to a subdomain or to http). */
  readonly #redirectGuard: BeforeRedirect = (options) => {
    if (redirectOrigin(options) !== this.#origin) removeAuthorization(options['headers']);
  };

  #wrapRedirectHook(hook: BeforeRedirect): BeforeRedirect {
    const wrapped: BeforeRedirect = (options, response, request) => {
      this.#redirectGuard(options, response, request);
      hook(options, response, request);
    };
    this.#wrappedRedirectHooks.add(wrapped);
    return wrapped;
  }

  /** Recovers a 401 to a request we authenticated; otherwise hands back `unchanged`. */
  async #recover(
    instance: AxiosInstance,
    response: AxiosResponse,
    unchanged: () => AxiosResponse,
  ): Promise<AxiosResponse> {
    const config = response.config;
    const sentWith = this.#sentWith.get(config);
    // Not ours, already replayed once, or said by another origin after a redirect: back to the caller unchanged.
    if (
      sentWith === undefined ||
      (config as { [REPLAYED]?: boolean })[REPLAYED] === true ||
      !this.#answeredBySendfact(response)
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

/** Keeps `key` readable but out of `util.inspect`, `JSON.stringify` and loggers that walk own keys. */
function hide(object: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (descriptor?.enumerable === true)
    Object.defineProperty(object, key, { ...descriptor, enumerable: false });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The origin follow-redirects is about to request, from the options it passes to `beforeRedirect`. */
function redirectOrigin(options: Record<string, unknown>): string {
  if (typeof options['href'] === 'string') return originOf(options['href']);
  const protocol = String(options['protocol'] ?? '');
  const host = String(options['host'] ?? options['hostname'] ?? '');
  const port =
    options['port'] === undefined || options['port'] === '' ? '' : `:${String(options['port'])}`;
  return originOf(`${protocol}//${host.includes(':') ? host : host + port}`);
}

function removeAuthorization(headers: unknown): void {
  if (headers === null || typeof headers !== 'object') return;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === 'authorization') delete (headers as Record<string, unknown>)[name];
  }
}

/** A body that was a stream has been consumed by the first attempt and cannot be sent again. */
function isReplayable(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  const candidate = data as {
    pipe?: unknown;
    getReader?: unknown;
    [Symbol.asyncIterator]?: unknown;
  };
  return (
    typeof candidate.pipe !== 'function' &&
    typeof candidate.getReader !== 'function' &&
    typeof candidate[Symbol.asyncIterator] !== 'function'
  );
}
