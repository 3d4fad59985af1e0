/** A token as kept in a token store. */
export interface StoredToken {
  accessToken: string;
  /** The token's whole lifetime in ms, as Sendfact gave it. */
  lifetimeMs: number;
  /** How long the store will still hand it out, in ms: until its safety margin, not its expiry. */
  remainingMs: number;
}

/**
 * Where tokens are shared between `SendfactAuthService` instances: the in-memory store (default) shares
 * within a process; `RedisTokenStore` (`nestjs-sendfact-auth/redis`) across replicas. Keys are built by the
 * module from the base URL and a hash of the username; a store never sees a password.
 *
 * Every method may fail or be slow: the module bounds each call with a time-out and falls back to
 * per-process tokens, so a store outage is never an outage of the app.
 */
export interface SendfactTokenStore {
  /** The token under `key`, if the store still holds it. */
  get(key: string): Promise<StoredToken | undefined>;
  /** Keeps `token` under `key` for `ttlMs`. */
  set(
    key: string,
    token: { accessToken: string; lifetimeMs: number },
    ttlMs: number,
  ): Promise<void>;
  /** Deletes the token under `key`, but only if it is still `accessToken` (a 401 seen by one replica). */
  deleteIfCurrent(key: string, accessToken: string): Promise<void>;
  /**
   * Tries to become the one holder that fetches a token for `key` (distributed single flight), for at most
   * `ttlMs`. Returns an id to release the lease with, or `undefined` when another holder has it.
   */
  acquireLease(key: string, ttlMs: number): Promise<string | undefined>;
  /** Gives the lease back early (only if `leaseId` still holds it). */
  releaseLease(key: string, leaseId: string): Promise<void>;
  /**
   * Resolves once the store can answer. The module waits for it while the app boots (bounded), so that a
   * replica does not start serving with its shared store still connecting.
   */
  ready?(): Promise<void>;
  /** Releases connections the store opened itself; called on module destroy. */
  close?(): Promise<void>;
}
