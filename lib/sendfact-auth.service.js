var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
import { inspect } from 'node:util';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import { SendfactTokenClient } from './client/sendfact-token.client.js';
import { TokenEngine } from './engine/token-engine.js';
import { SENDFACT_AUTH_OPTIONS, SENDFACT_LOGGER_CONTEXT } from './sendfact-auth.constants.js';
import { SendfactAuthError } from './sendfact-auth.errors.js';
/**
 * Hands out Sendfact bearer tokens: cached, refreshed ahead of expiry in the background, one token request
 * however many callers wait. Inject it where you need the token itself; for HTTP calls prefer
 * `SendfactHttpService`, which attaches it for you.
 */
let SendfactAuthService = class SendfactAuthService {
    #options;
    #client;
    #default;
    #engines = new Map();
    #events = new Subject();
    #logger = new Logger(SENDFACT_LOGGER_CONTEXT);
    #replays = 0;
    constructor(options) {
        this.#options = options;
        this.events$ = this.#events.asObservable();
        this.#client = new SendfactTokenClient({
            baseUrl: options.baseUrl,
            timeoutMs: options.timeoutMs,
            wallNow: () => options.clock.wallNow(),
            ...(options.http.httpAgent === undefined ? {} : { httpAgent: options.http.httpAgent }),
            ...(options.http.httpsAgent === undefined ? {} : { httpsAgent: options.http.httpsAgent }),
        });
        const credentials = options.credentials;
        this.#default = this.#createEngine(options.defaultAccountId, options.tokenFetcher ??
            ((signal) => this.#client.requestToken(credentials, signal, options.defaultAccountId)));
    }
    /** A valid access token: at once while one is held, otherwise after the one shared token request. */
    getAccessToken(accountId, options) {
        return this.#engine(accountId).getToken(options?.signal);
    }
    /** The token if one can be had without waiting (starting a background refresh if due), else `undefined`. */
    peekAccessToken(accountId) {
        return this.#engine(accountId).peek();
    }
    /** Gets a new token now, even if the held one is still valid (joins a token request under way). */
    refreshAccessToken(accountId, options) {
        return this.#engine(accountId).refresh(options?.signal);
    }
    /**
     * Drops the held token so the next call gets a new one. With `token`, only if that token is still the one
     * held: many requests failing with the same stale token then cause a single token request.
     */
    invalidateAccessToken(options = {}) {
        return this.#engine(options.accountId).invalidate(options.token);
    }
    /** When the held token expires, or `undefined` when none is held. */
    getTokenExpiry(accountId) {
        return this.#engine(accountId).state().expiresAt;
    }
    /** The token's state (validity, schedule, refreshing, last failure), safe to log or serve. */
    getTokenState(accountId) {
        return this.#engine(accountId).state();
    }
    /** Counters summed over all accounts. */
    getStats() {
        const total = {
            tokenRequests: 0,
            tokenRequestFailures: 0,
            refreshes: 0,
            backgroundRefreshes: 0,
            invalidations: 0,
            replays: this.#replays,
        };
        for (const engine of this.#allEngines()) {
            const s = engine.stats;
            total.tokenRequests += s.tokenRequests;
            total.tokenRequestFailures += s.tokenRequestFailures;
            total.refreshes += s.refreshes;
            total.backgroundRefreshes += s.backgroundRefreshes;
            total.invalidations += s.invalidations;
            if (s.lastRefreshDurationMs !== undefined)
                total.lastRefreshDurationMs = s.lastRefreshDurationMs;
        }
        return total;
    }
    /** The Sendfact base URL and origin the tokens are for. */
    get baseUrl() {
        return this.#options.baseUrl;
    }
    get origin() {
        return this.#options.origin;
    }
    /** @internal Called by the interceptor when it replays a request after a 401. */
    recordReplay(accountId) {
        this.#replays++;
        this.#events.next({
            type: 'request-replayed',
            accountId: accountId ?? this.#options.defaultAccountId,
        });
    }
    onModuleDestroy() {
        for (const engine of this.#allEngines())
            engine.close();
        this.#events.complete();
    }
    [inspect.custom]() {
        return `SendfactAuthService { baseUrl: '${this.#options.baseUrl}', accounts: ${this.#engines.size + 1} }`;
    }
    #engine(accountId) {
        if (accountId === undefined || accountId === this.#options.defaultAccountId)
            return this.#default;
        const engine = this.#engines.get(accountId);
        if (engine === undefined) {
            throw new SendfactAuthError(`Unknown Sendfact account "${accountId}"`, { accountId });
        }
        return engine;
    }
    #allEngines() {
        return [this.#default, ...this.#engines.values()];
    }
    #createEngine(accountId, fetcher) {
        return new TokenEngine({
            accountId,
            fetcher,
            clock: this.#options.clock,
            policy: this.#options.refresh,
            proactiveRefresh: this.#options.proactiveRefresh,
            onEvent: (event) => this.#onEngineEvent(event),
        });
    }
    #onEngineEvent(event) {
        const account = event.accountId === this.#options.defaultAccountId ? '' : ` for account "${event.accountId}"`;
        switch (event.type) {
            case 'token-refreshed':
                this.#logger.debug(`Token obtained${account}: lives ${Math.round(event.lifetimeMs / 1000)} s, took ${Math.round(event.durationMs)} ms` +
                    (event.background ? ' (background refresh)' : ''));
                break;
            case 'refresh-failed': {
                const next = event.retryInMs !== undefined ? `; retrying in ${Math.round(event.retryInMs)} ms` : '';
                const serving = event.servingCachedToken ? ' (still serving the valid token)' : '';
                const line = `Token request failed${account} (attempt ${event.attempt}): ${event.error.message}${next}${serving}`;
                if (event.servingCachedToken || event.retryInMs !== undefined)
                    this.#logger.warn(line);
                else
                    this.#logger.error(line);
                break;
            }
            case 'token-invalidated':
                this.#logger.debug(`Token dropped${account}; the next call gets a new one`);
                break;
            default:
                break;
        }
        this.#events.next(event);
    }
};
SendfactAuthService = __decorate([
    Injectable(),
    __param(0, Inject(SENDFACT_AUTH_OPTIONS)),
    __metadata("design:paramtypes", [Function])
], SendfactAuthService);
export { SendfactAuthService };
//# sourceMappingURL=sendfact-auth.service.js.map