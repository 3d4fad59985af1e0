import type { AxiosRequestConfig } from 'axios';
import {
  dropRedirectAuthorization,
  finalResponseOrigin,
  originOf,
  redirectOrigin,
} from './axios-internals.js';

/** Same test axios uses to tell an absolute URL from a path. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

type BeforeRedirect = NonNullable<AxiosRequestConfig['beforeRedirect']>;

/** The part of a request config that says where it goes. */
export type SendfactRequestTarget = Pick<
  AxiosRequestConfig,
  'url' | 'baseURL' | 'allowAbsoluteUrls'
>;

/**
 * The one rule of where a token may go: to the Sendfact origin (scheme, host and port, as the WHATWG URL
 * parser that axios and Node use reads them), on the first request and on every redirect hop.
 */
export class SendfactOriginGuard {
  readonly #origin: string;
  readonly #baseUrl: string;
  readonly #baseOrigins = new Map<string, string>();
  readonly #wrappedHooks = new WeakSet<BeforeRedirect>();

  constructor(origin: string, baseUrl: string) {
    this.#origin = origin;
    this.#baseUrl = baseUrl;
  }

  /** Whether a request with this config goes to the Sendfact origin. */
  isSendfactRequest(config: SendfactRequestTarget): boolean {
    const url = config.url === undefined ? undefined : String(config.url);
    if (url !== undefined && ABSOLUTE_URL.test(url)) {
      // An absolute URL must itself be on the Sendfact origin, even when `allowAbsoluteUrls: false` says
      // axios puts it after baseURL: axios before 1.8.2 ignored that option and sent it where it points.
      if (originOf(url) !== this.#origin) return false;
      if (config.allowAbsoluteUrls !== false) return true;
    }
    const baseURL = config.baseURL === undefined ? '' : String(config.baseURL);
    if (baseURL === '') return false;
    if (baseURL === this.#baseUrl) return true;
    let origin = this.#baseOrigins.get(baseURL);
    if (origin === undefined) {
      origin = originOf(baseURL);
      if (this.#baseOrigins.size < 64) this.#baseOrigins.set(baseURL, origin);
    }
    return origin === this.#origin;
  }

  /** Whether an answer came from the Sendfact origin, not from where a redirect led. */
  answeredBySendfact(request: unknown): boolean {
    const origin = finalResponseOrigin(request);
    return origin === undefined || origin === this.#origin;
  }

  /** Makes every redirect hop of this request drop the token when it leaves the Sendfact origin. */
  guardRedirects(config: AxiosRequestConfig): void {
    const hook = config.beforeRedirect;
    if (config.maxRedirects === 0 || hook === this.#redirectGuard) return;
    if (hook !== undefined && this.#wrappedHooks.has(hook)) return;
    config.beforeRedirect = hook === undefined ? this.#redirectGuard : this.#wrap(hook);
  }

  /** Not even to a subdomain, another port or plain http of the same host. */
  readonly #redirectGuard: BeforeRedirect = (options) => {
    if (redirectOrigin(options) !== this.#origin) dropRedirectAuthorization(options);
  };

  #wrap(hook: BeforeRedirect): BeforeRedirect {
    const wrapped: BeforeRedirect = (options, response, request) => {
      this.#redirectGuard(options, response, request);
      hook(options, response, request);
    };
    this.#wrappedHooks.add(wrapped);
    return wrapped;
  }
}
