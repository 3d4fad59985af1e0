import { NOBODY_WAITS, sleep } from '../engine/clock.js';
import { scheduleFor } from '../engine/token-cycle.js';
import { storedTokenProblem } from '../client/token-response.parser.js';
import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import type { Clock } from '../interfaces/clock.interface.js';
import type { RefreshPolicy } from '../interfaces/refresh-policy.interface.js';
import type { StoredToken } from '../interfaces/sendfact-token-store.interface.js';
import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenRequest, TokenSource } from '../interfaces/token-source.interface.js';
import { type TokenKeys, storedTokenMac, verifyStoredTokenMac } from './token-key.derivation.js';
import { StoreUnavailable, type TokenStoreGuard } from './token-store.guard.js';

/** What every account's shared source of a module shares. */
export interface SharedTokenContext {
  /** The store, each call bounded and its health followed. */
  guard: TokenStoreGuard;
  /** The store key (and MAC key) of a credential. */
  keysFor(credentials: SendfactCredentials): Promise<TokenKeys>;
  policy: RefreshPolicy;
  clock: Clock;
  /** How long one holder may fetch before others take over (at least the token request's deadline). */
  leaseMs: number;
  /** How often waiters look for the lease holder's token. */
  pollIntervalMs: number;
}

/**
 * One account's tokens through a store shared by replicas, in front of its direct source: take a fresh shared
 * token if there is one; else become the one holder that fetches (a short lease) and share the result; else
 * wait for the holder's token, taking over if it does not come. Any store failure falls back to the direct
 * source for this process alone, so a store outage never fails a caller.
 */
export class SharedTokenSource implements TokenSource {
  readonly #direct: TokenSource;
  readonly #login: () => Promise<SendfactCredentials>;
  readonly #shared: SharedTokenContext;

  constructor(
    direct: TokenSource,
    login: () => Promise<SendfactCredentials>,
    shared: SharedTokenContext,
  ) {
    this.#direct = direct;
    this.#login = login;
    this.#shared = shared;
  }

  async token(request: TokenRequest): Promise<TokenGrant> {
    const login = await this.#login();
    let key: TokenKeys;
    try {
      key = await this.#shared.keysFor(login);
    } catch {
      return this.#direct.token(request);
    }
    const { clock } = this.#shared;
    let leaseId: string | undefined;
    try {
      // A stored token was refused already: only one fresh from the endpoint will do (shared for the others).
      if (request.fromEndpoint !== true) {
        const waited = await this.#sharedOrLease(key, request);
        if (typeof waited !== 'string' && waited !== undefined) return waited;
        leaseId = waited;
      }
      const sentAt = clock.now();
      const grant = await this.#direct.token(request);
      return await this.#share(key, grant, sentAt, request);
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      return this.#direct.token(request);
    } finally {
      if (leaseId !== undefined) await this.#release(key, leaseId, request);
    }
  }

  /** Gives a lease back (only if it is still ours); a store that fails meanwhile lets it lapse. */
  async #release(key: TokenKeys, leaseId: string, request: TokenRequest): Promise<void> {
    await this.#shared.guard
      .call((store) => store.releaseLease(key.name, leaseId), request.keepAlive, request.signal)
      .catch(() => undefined);
  }

  /** Drops `accessToken` from the store if it is still the shared one (it got a 401), behind the callers' backs. */
  refused(accessToken: string): void {
    void this.#login()
      .then((login) => this.#shared.keysFor(login))
      .then((key) =>
        this.#shared.guard.call(
          (store) => store.deleteIfCurrent(key.name, accessToken),
          NOBODY_WAITS,
        ),
      )
      .catch(() => undefined);
  }

  /**
   * A fresh shared token; else the lease to fetch one (its id); else, after waiting one lease for the holder's
   * token, `undefined`: fetch for this process alone. Tries for the lease on every round, so that a holder that
   * died (its lease lapsed) is taken over at once.
   */
  async #sharedOrLease(
    key: TokenKeys,
    request: TokenRequest,
  ): Promise<TokenGrant | string | undefined> {
    const { clock, guard, leaseMs, pollIntervalMs } = this.#shared;
    const { signal, keepAlive } = request;
    const first = await this.#fresh(key, request);
    if (first !== undefined) return first;
    const deadline = clock.now() + leaseMs;
    while (clock.now() < deadline) {
      const leaseId = await guard.call(
        (store) => store.acquireLease(key.name, leaseMs),
        keepAlive,
        signal,
      );
      if (leaseId !== undefined) {
        // Someone may have shared a token between our last look and the lease: take it, and give the lease
        // back at once, or the others would wait for it to lapse and then each fetch their own.
        const shared = await this.#fresh(key, request).catch(async (error: unknown) => {
          await this.#release(key, leaseId, request);
          throw error;
        });
        if (shared === undefined) return leaseId;
        await this.#release(key, leaseId, request);
        return shared;
      }
      await sleep(clock, pollIntervalMs, signal, keepAlive);
      const token = await this.#fresh(key, request);
      if (token !== undefined) return token;
    }
    return undefined;
  }

  /** Stores a token the endpoint issued, until its safety margin, for the other replicas. */
  async #share(
    key: TokenKeys,
    grant: TokenGrant,
    sentAt: number,
    request: TokenRequest,
  ): Promise<TokenGrant> {
    const { clock, guard, policy } = this.#shared;
    const obtainedAt = grant.obtainedAt ?? sentAt;
    const { mustRefreshAt } = scheduleFor(obtainedAt, grant.lifetimeMs, policy);
    const ttlMs = Math.floor(mustRefreshAt - clock.now());
    const value = {
      accessToken: grant.accessToken,
      lifetimeMs: grant.lifetimeMs,
      mac: storedTokenMac(key, grant.lifetimeMs, grant.accessToken),
    };
    await guard
      .call((store) => store.set(key.name, value, ttlMs), request.keepAlive, request.signal)
      .catch(() => undefined);
    return { ...grant, obtainedAt };
  }

  /**
   * The shared token, if the cycle would serve it as it is (before its refresh point), and it is not the `stale`
   * one being replaced.
   */
  async #fresh(key: TokenKeys, request: TokenRequest): Promise<TokenGrant | undefined> {
    const { clock, guard, policy } = this.#shared;
    const { signal, keepAlive, stale } = request;
    // remainingMs was true when the store read it, at the latest: count it from when the read was sent, as a
    // token request's lifetime is counted from when it was sent, so a slow answer never stretches a deadline.
    const sentAt = clock.now();
    const stored = await guard.call((store) => store.get(key.name), keepAlive, signal);
    if (stored === undefined) return undefined;
    if (!isValidStoredToken(stored) || !this.#authentic(key, stored)) {
      // Whatever put it there (a bug, another version, someone with write access, another account's value
      // copied here), it is not a token this module stored for this credential: a miss, and removed unless
      // it was replaced meanwhile.
      if (typeof stored.accessToken === 'string') {
        const bad = stored.accessToken;
        await guard
          .call((store) => store.deleteIfCurrent(key.name, bad), keepAlive, signal)
          .catch(() => undefined);
      }
      return undefined;
    }
    if (stored.accessToken === stale) return undefined;
    // The store keeps a token until its safety margin: remainingMs counts down to its must-refresh point.
    const { lifetimeMs } = stored;
    const obtainedAt =
      sentAt + stored.remainingMs - scheduleFor(0, lifetimeMs, policy).mustRefreshAt;
    // Shared only while the cycle would serve it without a refresh: one past its refresh point would be
    // refreshed again at once, by every replica that took it.
    if (sentAt >= scheduleFor(obtainedAt, lifetimeMs, policy).refreshAt) return undefined;
    return { accessToken: stored.accessToken, lifetimeMs, obtainedAt, shared: true };
  }

  /**
   * Whether the stored value carries the MAC of this key and credential. Stores that declare no key
   * derivation (written before values had one) may return none; any MAC given must verify.
   */
  #authentic(key: TokenKeys, stored: StoredToken): boolean {
    if (stored.mac === undefined) return this.#shared.guard.store.keyDerivation === undefined;
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
