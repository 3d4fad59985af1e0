import { Injectable } from '@nestjs/common';
import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosRequestConfig,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { TokenCycle } from './engine/token-cycle.js';
import type { HeldToken } from './interfaces/token-cycle.interface.js';
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

/** What each attached instance's adapter was, by the step that wraps it (attach() never wraps a step). */
const WRAPPED = new WeakMap<object, unknown>();

/** A 401 is answered twice at most: once with any newer token, once with one fresh from the endpoint. */
const MAX_REPLAYS = 2;

/**
 * Attaches `Authorization: Bearer <token>` to requests bound for the Sendfact origin, and to no others, as
 * the last step before a request leaves: a wrapper around the instance's adapter, so that every interceptor
 * of the app (added before or after `attach()`) has run, the origin is checked on the final URL, and none of
 * them sees the token, in the request or in what comes back. On a 401 it sends the request again with a
 * newer token, as the token cycle decides (see `TokenCycle.refused`). `SendfactHttpService` comes with it;
 * `attach()` puts it on your own instance.
 */
@Injectable()
export class SendfactAuthInterceptor {
  readonly #auth: SendfactAuthService;
  readonly #guard: SendfactOriginGuard;

  constructor(auth: SendfactAuthService) {
    this.#auth = auth;
    this.#guard = new SendfactOriginGuard(auth.origin, auth.baseUrl);
  }

  /**
   * Installs the token step on `instance` (any axios 1.x instance, whichever typings it was declared with),
   * around the adapter it has now; returns a function that removes it. Set the instance's own `adapter`
   * before calling it: one set later, or per request, replaces the step, and the request goes without a token.
   */
  attach(instance: AxiosInterceptorHost): () => void {
    const defaults = instance.defaults;
    const own: unknown = defaults.adapter;
    // An instance made from another's defaults (forAccount) carries its step: wrap what that one wrapped.
    const inner = typeof own === 'function' && WRAPPED.has(own) ? WRAPPED.get(own) : own;
    const step: AxiosAdapter = (config) => this.#send(config, inner);
    WRAPPED.set(step, inner);
    defaults.adapter = step;
    return () => {
      if (defaults.adapter === step) defaults.adapter = inner;
    };
  }

  /** Whether a request with this config goes to the Sendfact origin (and so gets the token). */
  isSendfactRequest(
    config: Pick<AxiosRequestConfig, 'url' | 'baseURL' | 'allowAbsoluteUrls'>,
  ): boolean {
    return this.#guard.isSendfactRequest(config);
  }

  #send(config: InternalAxiosRequestConfig, inner: unknown): Promise<AxiosResponse> {
    let adapter: AxiosAdapter;
    let cycle: TokenCycle | undefined;
    try {
      adapter = axios.getAdapter((inner ?? axios.defaults.adapter) as never, config);
      if (!this.#guard.isSendfactRequest(config)) return adapter(config);
      cycle = this.#auth.cycleOf(config.sendfactAccount);
    } catch (error) {
      return Promise.reject(error);
    }
    // An account the resolver has yet to confirm: nothing is made for it until then.
    if (cycle === undefined)
      return this.#auth.openCycle(config.sendfactAccount, (opened) =>
        this.#cold(config, adapter, opened),
      );
    // Hot path: a token is held; no promise is made before the adapter's own.
    const held = cycle.current();
    if (held !== undefined) return this.#exchange(config, adapter, cycle, held);
    return this.#cold(config, adapter, cycle);
  }

  /** No token is held: the shared token request first. */
  #cold(
    config: InternalAxiosRequestConfig,
    adapter: AxiosAdapter,
    cycle: TokenCycle,
  ): Promise<AxiosResponse> {
    return cycle
      .next(config.signal as never)
      .then((token) => this.#exchange(config, adapter, cycle, token));
  }

  /** Sends the request with `token`, and again as the token cycle says while Sendfact answers 401. */
  async #exchange(
    config: InternalAxiosRequestConfig,
    adapter: AxiosAdapter,
    cycle: TokenCycle,
    first: HeldToken,
  ): Promise<AxiosResponse> {
    let token = first;
    /** When the token of the attempt before was first refused. */
    let after: number | undefined;
    let send = (): Promise<AxiosResponse> => {
      this.#sign(config, token);
      return adapter(config);
    };
    for (let replays = 0; ; replays++) {
      let response: AxiosResponse | undefined;
      let failure: unknown;
      try {
        response = await send();
      } catch (error) {
        failure = error;
      }
      const answer = response ?? (failure as AxiosError | undefined)?.response;
      if (answer?.status !== 401 || !this.#guard.answeredBySendfact(answer.request)) {
        if (answer !== undefined && answer.status >= 200 && answer.status < 300) cycle.accepted();
        return this.#deliver(response, failure, token.value);
      }
      // Told even when the request cannot go again (a stream body is spent): the token is dropped all the same.
      const next = cycle.refused(token, `${config.method ?? 'get'} ${pathOf(answer)}`, after);
      if (next === undefined || replays === MAX_REPLAYS || !isReplayable(config.data))
        return this.#deliver(response, failure, token.value);
      // The 401's config holds the refused token: out of it, whatever happens next.
      scrubToken(failure ?? response, token.value);
      this.#auth.recordReplay(config.sendfactAccount);
      after = next.after;
      // The replay, its new token's request included, in a span of its own when telemetry is on.
      const replay = async () => {
        token = await cycle.replacement(next, config.signal as never);
        this.#sign(config, token);
        return adapter(config);
      };
      send = () => this.#auth.telemetry?.traceReplay(config.sendfactAccount, replay) ?? replay();
    }
  }

  #sign(config: InternalAxiosRequestConfig, token: HeldToken): void {
    config.headers.set('Authorization', `Bearer ${token.value}`);
    this.#auth.telemetry?.tokenSent(config.sendfactAccount, token.obtainedAt); // telemetry: the token's age at send
    this.#guard.guardRedirects(config);
  }

  /** Hands back what the adapter answered, with the token taken out of it. */
  #deliver(
    response: AxiosResponse | undefined,
    failure: unknown,
    token: string,
  ): AxiosResponse | never {
    if (response !== undefined) return scrubToken(response, token);
    throw scrubToken(failure, token);
  }
}

/** The path a request went to, without its query: with the method, what a refusal is remembered by. */
function pathOf(response: AxiosResponse): string {
  const url = axios.getUri(response.config);
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.search(/[?#]/);
  return start === -1 ? '/' : url.slice(start, end === -1 ? undefined : end);
}
