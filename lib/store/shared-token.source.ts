import { type Clock, sleep } from '../engine/clock.js';
import { type KeepAlive, NOBODY_WAITS } from '../engine/keep-alive.js';
import { type RefreshPolicy, scheduleFor } from '../engine/refresh-policy.js';
import { OPEN_GATES, decide, mustRefreshAtOf } from '../engine/token-decision.js';
import type { TokenFetcher, TokenGrant } from '../interfaces/token-grant.interface.js';
import { storedTokenProblem } from '../client/token-response.parser.js';
import type { SendfactCredentials } from '../client/sendfact-token.client.js';
import type {
  SendfactTokenStore,
  StoredToken,
} from '../interfaces/sendfact-token-store.interface.js';
import {
  type TokenKeys,
  deriveTokenKeys,
  storedTokenMac,
  verifyStoredTokenMac,
} from './token-key.derivation.js';
import { StoreUnavailable, TokenStoreGuard } from './token-store.guard.js';

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

/** One fetch through the store: what each of its steps needs. */
interface SharedFetch {
  readonly key: TokenKeys;
  readonly fetchDirect: TokenFetcher;
  readonly signal: AbortSignal;
  readonly stale: string | undefined;
  /** A caller waits on the fetch: its polls and store calls keep the process alive only while one does. */
  readonly keepAlive: KeepAlive;
}

/**
 * Puts a token store in front of the token endpoint, as a `TokenFetcher` for the engine: take a fresh shared
 * token if there is one; else become the one holder that fetches (a short lease) and share the result; else
 * wait for the holder's token, taking over if it does not come. Any store failure falls back to fetching
 * for this process alone, so a store outage never fails a caller.
 */
export class SharedTokenSource {
  readonly #options: SharedTokenSourceOptions;
  readonly #store: TokenStoreGuard;
  /**
   * Store keys by credentials object: derived once per account (scrypt costs about 0.1 s), and again only
   * when the credentials are resolved anew (a rotated password gives a new object, hence a new key).
   */
  readonly #keys = new WeakMap<SendfactCredentials, Promise<TokenKeys>>();

  constructor(options: SharedTokenSourceOptions) {
    this.#options = options;
    this.#store = new TokenStoreGuard(options);
  }

  /**
   * A fetcher for the account with `credentials`, fetching from Sendfact through `fetchDirect`. `keepAlive`
   * tells whether a caller waits on the account's token request (the engine's `keepAlive`).
   */
  fetcher(
    credentials: () => Promise<SendfactCredentials> | SendfactCredentials,
    fetchDirect: TokenFetcher,
    keepAlive: KeepAlive,
  ): TokenFetcher {
    return async (signal, stale) => {
      const login = await credentials();
      let key: TokenKeys;
      try {
        key = await this.#keyFor(login);
      } catch {
        return fetchDirect(signal);
      }
      try {
        return await this.#obtain({ key, fetchDirect, signal, stale, keepAlive });
      } catch (error) {
        if (!(error instanceof StoreUnavailable)) throw error;
        return fetchDirect(signal);
      }
    };
  }

  /** Drops `accessToken` from the store if it is still the shared one (it got a 401). */
  async invalidate(credentials: SendfactCredentials, accessToken: string): Promise<void> {
    const key = await this.#keyFor(credentials).catch(() => undefined);
    if (key === undefined) return;
    // Nobody awaits this: a refused token is dropped behind the callers' backs.
    await this.#store
      .call((store) => store.deleteIfCurrent(key.name, accessToken), NOBODY_WAITS)
      .catch(() => undefined);
  }

  #keyFor(credentials: SendfactCredentials): Promise<TokenKeys> {
    let key = this.#keys.get(credentials);
    if (key === undefined) {
      key = deriveTokenKeys(
        this.#options.store.keyDerivation ?? 'scrypt',
        this.#options.baseUrl,
        credentials,
      );
      // A failed derivation is tried again next time rather than cached.
      key.catch(() => this.#keys.delete(credentials));
      this.#keys.set(credentials, key);
    }
    return key;
  }

  async #obtain(fetch: SharedFetch): Promise<TokenGrant> {
    const { leaseMs, pollIntervalMs } = this.#options;
    const { key, signal, stale, keepAlive } = fetch;
    const shared = await this.#fresh(fetch);
    if (shared !== undefined) return shared;

    // Another holder may be fetching: wait for its token, trying for the lease on every round so that a
    // holder that died (its lease lapsed) is taken over at once. Past one lease, fetch for this process.
    const deadline = this.#options.clock.now() + leaseMs;
    while (this.#options.clock.now() < deadline) {
      const leaseId = await this.#store.call(
        (store) => store.acquireLease(key.name, leaseMs),
        keepAlive,
      );
      if (leaseId !== undefined) return this.#fetchAndShare(fetch, leaseId);
      await sleep(this.#options.clock, pollIntervalMs, signal, { keepAlive });
      const token = await this.#fresh(fetch);
      if (token !== undefined) return token;
    }
    return fetch.fetchDirect(signal, stale);
  }

  async #fetchAndShare(fetch: SharedFetch, leaseId: string): Promise<TokenGrant> {
    const { key, signal, stale, keepAlive } = fetch;
    try {
      // Someone may have shared a token between our last look and the lease.
      const shared = await this.#fresh(fetch);
      if (shared !== undefined) return shared;
      const sentAt = this.#options.clock.now();
      const grant = await fetch.fetchDirect(signal, stale);
      const obtainedAt = grant.obtainedAt ?? sentAt;
      const { mustRefreshAt } = scheduleFor(obtainedAt, grant.lifetimeMs, this.#options.policy);
      const ttlMs = Math.floor(mustRefreshAt - this.#options.clock.now());
      await this.#store
        .call(
          (store) =>
            store.set(
              key.name,
              {
                accessToken: grant.accessToken,
                lifetimeMs: grant.lifetimeMs,
                mac: storedTokenMac(key, grant.lifetimeMs, grant.accessToken),
              },
              ttlMs,
            ),
          keepAlive,
        )
        .catch(() => undefined);
      return { ...grant, obtainedAt };
    } finally {
      await this.#store
        .call((store) => store.releaseLease(key.name, leaseId), keepAlive)
        .catch(() => undefined);
    }
  }

  /** The shared token, if `decide()` would serve it as it is, and it is not the `stale` one being replaced. */
  async #fresh({ key, stale, keepAlive }: SharedFetch): Promise<TokenGrant | undefined> {
    // remainingMs was true when the store read it, at the latest: count it from when the read was sent, as a
    // token request's lifetime is counted from when it was sent, so a slow answer never stretches a deadline.
    const sentAt = this.#options.clock.now();
    const stored = await this.#store.call((store) => store.get(key.name), keepAlive);
    if (stored === undefined) return undefined;
    if (!isValidStoredToken(stored) || !this.#authentic(key, stored)) {
      // Whatever put it there (a bug, another version, someone with write access, another account's value
      // copied here), it is not a token this module stored for this credential: a miss, and removed unless
      // it was replaced meanwhile.
      if (typeof stored.accessToken === 'string') {
        const bad = stored.accessToken;
        await this.#store
          .call((store) => store.deleteIfCurrent(key.name, bad), keepAlive)
          .catch(() => undefined);
      }
      return undefined;
    }
    if (stored.accessToken === stale) return undefined;
    const { policy } = this.#options;
    // The store keeps a token until its safety margin: remainingMs counts down to its must-refresh point.
    const lifetimeMs = stored.lifetimeMs;
    const obtainedAt =
      sentAt + stored.remainingMs - mustRefreshAtOf({ obtainedAt: 0, lifetimeMs }, policy);
    const grant = { accessToken: stored.accessToken, lifetimeMs, obtainedAt, shared: true };
    // Shared only while the engine would serve it without a refresh: one past its refresh point would be
    // refreshed again at once, by every replica that took it.
    return decide(sentAt, grant, OPEN_GATES, policy).action === 'serve' ? grant : undefined;
  }

  /**
   * Whether the stored value carries the MAC of this key and credential. Stores that declare no key
   * derivation (written before values had one) may return none; any MAC given must verify.
   */
  #authentic(key: TokenKeys, stored: StoredToken): boolean {
    if (stored.mac === undefined) return this.#options.store.keyDerivation === undefined;
    return (
      typeof stored.mac === 'string' &&
      verifyStoredTokenMac(key, stored.lifetimeMs, stored.accessToken, stored.mac)
    );
  }
}

/**
 * A stored token passes the checks of a token response (charset, length, lifetime bounds), and cannot be
 * handed out for longer than its own lifetime.
 */
function isValidStoredToken(value: StoredToken): boolean {
  return (
    storedTokenProblem(value.accessToken, value.lifetimeMs) === undefined &&
    typeof value.remainingMs === 'number' &&
    Number.isFinite(value.remainingMs) &&
    value.remainingMs <= value.lifetimeMs
  );
}
