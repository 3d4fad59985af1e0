import { createHash } from 'node:crypto';
import { type Clock, type TimerHandle, sleep } from '../engine/clock.js';
import { type RefreshPolicy, scheduleFor } from '../engine/refresh-policy.js';
import type { TokenFetcher, TokenGrant } from '../engine/token-engine.js';
import type {
  SendfactTokenStore,
  StoredToken,
} from '../interfaces/sendfact-token-store.interface.js';

export interface SharedTokenSourceOptions {
  store: SendfactTokenStore;
  policy: RefreshPolicy;
  clock: Clock;
  baseUrl: string;
  /** Bound of one store call; past it the store counts as down for that call. */
  storeTimeoutMs: number;
  /** How long one holder may fetch before others take over (at least the token request's deadline). */
  leaseMs: number;
  /** How often waiters look for the lease holder's token. */
  pollIntervalMs: number;
  /** Called when the store fails or comes back, to log it once per change. */
  onStoreHealth: (healthy: boolean, reason?: string) => void;
}

/** The key of an account's token: base URL and a hash of the username, never the password. */
export function tokenKey(baseUrl: string, username: string): string {
  const user = createHash('sha256').update(username).digest('hex').slice(0, 32);
  return `${baseUrl}:${user}`;
}

class StoreUnavailable extends Error {}

/**
 * Puts a token store in front of the token endpoint, as a `TokenFetcher` for the engine: take a fresh shared
 * token if there is one; else become the one holder that fetches (a short lease) and share the result; else
 * wait for the holder's token, taking over if it does not come. Any store failure falls back to fetching
 * for this process alone, so a store outage never fails a caller.
 */
export class SharedTokenSource {
  readonly #options: SharedTokenSourceOptions;
  #healthy = true;

  constructor(options: SharedTokenSourceOptions) {
    this.#options = options;
  }

  /** A fetcher for the account with `username`, fetching from Sendfact through `fetchDirect`. */
  fetcher(username: () => Promise<string> | string, fetchDirect: TokenFetcher): TokenFetcher {
    return async (signal, stale) => {
      const key = tokenKey(this.#options.baseUrl, await username());
      try {
        return await this.#obtain(key, fetchDirect, signal, stale);
      } catch (error) {
        if (!(error instanceof StoreUnavailable)) throw error;
        return fetchDirect(signal);
      }
    };
  }

  /** Drops `accessToken` from the store if it is still the shared one (it got a 401). */
  async invalidate(username: string, accessToken: string): Promise<void> {
    const key = tokenKey(this.#options.baseUrl, username);
    await this.#call((store) => store.deleteIfCurrent(key, accessToken)).catch(() => undefined);
  }

  async #obtain(
    key: string,
    fetchDirect: TokenFetcher,
    signal: AbortSignal,
    stale: string | undefined,
  ): Promise<TokenGrant> {
    const { leaseMs, pollIntervalMs } = this.#options;
    const shared = await this.#fresh(key, stale);
    if (shared !== undefined) return shared;

    // Another holder may be fetching: wait for its token, trying for the lease on every round so that a
    // holder that died (its lease lapsed) is taken over at once. Past one lease, fetch for this process.
    const deadline = this.#options.clock.now() + leaseMs;
    while (this.#options.clock.now() < deadline) {
      const leaseId = await this.#call((store) => store.acquireLease(key, leaseMs));
      if (leaseId !== undefined)
        return this.#fetchAndShare(key, leaseId, fetchDirect, signal, stale);
      await sleep(this.#options.clock, pollIntervalMs, signal);
      const token = await this.#fresh(key, stale);
      if (token !== undefined) return token;
    }
    return fetchDirect(signal, stale);
  }

  async #fetchAndShare(
    key: string,
    leaseId: string,
    fetchDirect: TokenFetcher,
    signal: AbortSignal,
    stale: string | undefined,
  ): Promise<TokenGrant> {
    try {
      // Someone may have shared a token between our last look and the lease.
      const shared = await this.#fresh(key, stale);
      if (shared !== undefined) return shared;
      const sentAt = this.#options.clock.now();
      const grant = await fetchDirect(signal, stale);
      const obtainedAt = grant.obtainedAt ?? sentAt;
      const { mustRefreshAt } = scheduleFor(obtainedAt, grant.lifetimeMs, this.#options.policy);
      const ttlMs = Math.floor(mustRefreshAt - this.#options.clock.now());
      await this.#call((store) =>
        store.set(key, { accessToken: grant.accessToken, lifetimeMs: grant.lifetimeMs }, ttlMs),
      ).catch(() => undefined);
      return { ...grant, obtainedAt };
    } finally {
      await this.#call((store) => store.releaseLease(key, leaseId)).catch(() => undefined);
    }
  }

  /**
   * The shared token, if it is still before its refresh point (an older one would be refreshed again at
   * once) and is not the `stale` one being replaced.
   */
  async #fresh(key: string, stale: string | undefined): Promise<TokenGrant | undefined> {
    const stored = await this.#call((store) => store.get(key));
    if (stored === undefined || !isStoredToken(stored) || stored.accessToken === stale)
      return undefined;
    const { policy } = this.#options;
    const { refreshAt, mustRefreshAt } = scheduleFor(0, stored.lifetimeMs, policy);
    // The store keeps a token until its safety margin: remainingMs counts down to mustRefreshAt.
    if (stored.remainingMs <= mustRefreshAt - refreshAt) return undefined;
    const now = this.#options.clock.now();
    return {
      accessToken: stored.accessToken,
      lifetimeMs: stored.lifetimeMs,
      obtainedAt: now + stored.remainingMs - mustRefreshAt,
    };
  }

  /** One store call, bounded in time; a failure marks the store down (logged once) and throws StoreUnavailable. */
  async #call<T>(fn: (store: SendfactTokenStore) => Promise<T>): Promise<T> {
    let timer: TimerHandle | undefined;
    try {
      const result = await Promise.race([
        fn(this.#options.store),
        new Promise<never>((_, reject) => {
          // After an event-loop stall the timer can run before the reply already waiting on the socket:
          // give pending I/O one turn before calling the store slow.
          timer = this.#options.clock.setTimer(
            () =>
              setImmediate(() =>
                reject(new Error(`no answer in ${this.#options.storeTimeoutMs} ms`)),
              ),
            this.#options.storeTimeoutMs,
          );
        }),
      ]);
      if (!this.#healthy) {
        this.#healthy = true;
        this.#options.onStoreHealth(true);
      }
      return result;
    } catch (error) {
      if (this.#healthy) {
        this.#healthy = false;
        this.#options.onStoreHealth(false, (error as Error)?.message ?? String(error));
      }
      throw new StoreUnavailable();
    } finally {
      timer?.cancel();
    }
  }
}

function isStoredToken(value: StoredToken): boolean {
  return (
    typeof value.accessToken === 'string' &&
    value.accessToken.length > 0 &&
    Number.isFinite(value.lifetimeMs) &&
    value.lifetimeMs > 0 &&
    Number.isFinite(value.remainingMs)
  );
}
