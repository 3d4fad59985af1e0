import { Injectable } from '@nestjs/common';
import type {
  AxiosError,
  AxiosInstance,
  AxiosRequestConfig,
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
    const request = instance.interceptors.request.use((config) => this.#authenticate(config));
    const response = instance.interceptors.response.use(undefined, (error: unknown) =>
      this.#recover(instance, error),
    );
    return () => {
      instance.interceptors.request.eject(request);
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

  #authenticate(
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> {
    if (!this.isSendfactRequest(config)) return config;
    const account = config.sendfactAccount;
    // Hot path: a held token is put on synchronously, with no promise of our own in the chain.
    const token = this.#auth.peekAccessToken(account);
    if (token !== undefined) return this.#sign(config, token);
    const signal = config.signal instanceof AbortSignal ? { signal: config.signal } : undefined;
    return this.#auth.getAccessToken(account, signal).then((fresh) => this.#sign(config, fresh));
  }

  #sign(config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig {
    config.headers.set('Authorization', `Bearer ${token}`);
    this.#sentWith.set(config, token);
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

  async #recover(instance: AxiosInstance, error: unknown): Promise<unknown> {
    const config = (error as AxiosError | undefined)?.config as
      (InternalAxiosRequestConfig & { [REPLAYED]?: boolean }) | undefined;
    const sentWith = config === undefined ? undefined : this.#sentWith.get(config);
    // Not ours: the error goes back to the caller unchanged.
    if (config === undefined || sentWith === undefined) throw error;
    // Already replayed once: the 401 goes back to the caller.
    if ((error as AxiosError).response?.status === 401 && config[REPLAYED] !== true) {
      const accountId = config.sendfactAccount;
      this.#auth.invalidateAccessToken({
        ...(accountId === undefined ? {} : { accountId }),
        token: sentWith,
      });
      if (isReplayable(config.data)) {
        this.#auth.recordReplay(accountId);
        return instance.request({ ...config, [REPLAYED]: true } as AxiosRequestConfig);
      }
    }
    throw withoutToken(error as AxiosError);
  }
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

/**
 * Callers log the errors they get, and an AxiosError carries the request's headers twice: in `config` and in
 * the Node request (`request._header`). The token must not go to the logs with them.
 */
function withoutToken(error: AxiosError): AxiosError {
  const config = error.config;
  config?.headers?.set('Authorization', 'Bearer [redacted]');
  // Still there for code that reads them, but left out of util.inspect, JSON and the loggers built on them:
  // the Node request holds the raw headers, and a stream body holds the request it was piped into.
  hide(error, 'request');
  hide(error.response, 'request');
  if (config !== undefined && !isReplayable(config.data)) hide(config, 'data');
  return error;
}

function hide(holder: object | undefined, key: string): void {
  if (holder === undefined || !Object.prototype.propertyIsEnumerable.call(holder, key)) return;
  const value: unknown = (holder as Record<string, unknown>)[key];
  Object.defineProperty(holder, key, {
    value,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
