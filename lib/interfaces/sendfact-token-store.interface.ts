/** A token as kept in a token store. */
export interface StoredToken {
  accessToken: string;
  /** The token's whole lifetime in ms, as Sendfact gave it. */
  lifetimeMs: number;
  /** How long the store will still hand it out, in ms: until its safety margin, not its expiry. */
  remainingMs: number;
  /**
   * The MAC the module stored with the token (64 hex characters): it binds the value to its key and to the
   * account's credential, so that a value copied onto another key is refused. A store returns what `set()`
   * was given.
   */
  mac?: string;
}

/**
 * Where tokens are shared between `SendfactAuthService` instances: the in-memory store (default) shares
 * within a process; `RedisTokenStore` (`nestjs-sendfact-auth/redis`) across replicas. The module builds each
 * key from the whole credential (base URL, username and password, so a token only goes to an account with the
 * credentials Sendfact accepted for it) as 64 hex characters of a keyed or slow derivation: a store never
 * sees a username or a password, and whoever lists its keys cannot guess them at hash speed.
 *
 * Every method may fail or be slow: the module bounds each call with a time-out and falls back to
 * per-process tokens, so a store outage is never an outage of the app.
 */
export interface SendfactTokenStore {
  /**
   * How the module derives this store's keys (and the MAC keys of their values). `'process-local'`:
   * HMAC-SHA512 under a random key made at process start, only for stores nobody outside the process can list
   * (keys differ between processes). `{ hmacSecret }`: HMAC-SHA512 under a secret every replica is given (keep
   * it out of the store). `'scrypt'` (the default, for a shared store without a secret): scrypt N=2^14, r=8,
   * p=1, once per account and process. A store that declares it must keep the `mac` given to `set()`: a value
   * read back without one is refused.
   */
  readonly keyDerivation?: 'process-local' | 'scrypt' | { hmacSecret: string | Uint8Array };
  /** The token under `key`, if the store still holds it. */
  get(key: string): Promise<StoredToken | undefined>;
  /** Keeps `token` (with its `mac`, to be returned by `get()`) under `key` for `ttlMs`. */
  set(
    key: string,
    token: { accessToken: string; lifetimeMs: number; mac?: string },
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
