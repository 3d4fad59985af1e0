import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import type {
  SendfactTokenStore,
  StoredToken,
} from '../interfaces/sendfact-token-store.interface.js';
import { SendfactConfigError } from '../sendfact-auth.errors.js';
import { connectionError, isPermanent, openClient } from './redis-connection.js';
import type { RedisTokenStoreOptions } from './redis-token-store-options.interface.js';
import { DELETE_IF_EQUAL, DELETE_IF_TOKEN } from './redis-token.scripts.js';
import { decodeTokenValue, encodeTokenValue } from './redis-token.value.js';

/**
 * Shares one token per account across every replica through Redis (ioredis), single node, Sentinel or
 * Cluster: a key per account holding the token until its safety margin (`PX`), and a short `SET NX PX` lease
 * so that one replica fetches while the others wait. The token key and its lease share a hash tag, and each
 * command or transaction touches one key, so every operation stays in one cluster slot. Tokens sit in Redis
 * in clear: protect it like the credentials (see docs/REDIS.md).
 */
export class RedisTokenStore implements SendfactTokenStore {
  readonly #client: Redis | Cluster;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #keySecret: string | Uint8Array | undefined;
  #firstReady: Promise<void> | undefined;
  #wasReady = false;
  /** Why the connection has not come up yet (the last error while not ready). */
  #connectError: Error | undefined;

  constructor(options: RedisTokenStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'sendfact:token:';
    if (options.keySecret !== undefined) {
      const bytes =
        typeof options.keySecret === 'string'
          ? Buffer.byteLength(options.keySecret)
          : options.keySecret.byteLength;
      if (bytes < 16)
        throw new SendfactConfigError(['RedisTokenStore keySecret must be at least 16 bytes']);
    }
    this.#keySecret = options.keySecret;
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      this.#client = openClient(options);
      this.#ownsClient = true;
      // Connection errors surface as failed commands; without a listener ioredis would crash the process.
      this.#client.on('error', () => undefined);
    }
    this.#wasReady = this.#client.status === 'ready';
    this.#client.on('ready', () => {
      this.#wasReady = true;
      this.#connectError = undefined;
    });
    this.#client.on('error', (error: Error) => {
      if (this.#client.status !== 'ready') this.#connectError = error;
    });
  }

  /** HMAC-SHA256 under `keySecret` when given, else scrypt: Redis is listable by whoever can reach it. */
  get keyDerivation(): 'scrypt' | { hmacSecret: string | Uint8Array } {
    return this.#keySecret === undefined ? 'scrypt' : { hmacSecret: this.#keySecret };
  }

  get(key: string): Promise<StoredToken | undefined> {
    return this.#explained(this.#get(key));
  }

  async #get(key: string): Promise<StoredToken | undefined> {
    await this.#connected();
    const k = this.#tokenKey(key);
    const replies = (await this.#client.multi().get(k).pttl(k).exec()) ?? [];
    const value = replies[0]?.[1];
    const pttl = replies[1]?.[1];
    if (typeof value !== 'string' || typeof pttl !== 'number' || pttl <= 0) return undefined;
    const token = decodeTokenValue(value, pttl);
    // Not written by this store: a miss, and removed unless it was replaced meanwhile.
    if (token === undefined) await this.#client.eval(DELETE_IF_EQUAL, 1, k, value);
    return token;
  }

  async set(
    key: string,
    token: { accessToken: string; lifetimeMs: number; mac?: string },
    ttlMs: number,
  ): Promise<void> {
    if (ttlMs <= 0) return;
    await this.#connected();
    await this.#explained(
      this.#client.set(this.#tokenKey(key), encodeTokenValue(token), 'PX', Math.ceil(ttlMs)),
    );
  }

  async deleteIfCurrent(key: string, accessToken: string): Promise<void> {
    await this.#connected();
    await this.#explained(this.#client.eval(DELETE_IF_TOKEN, 1, this.#tokenKey(key), accessToken));
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
    await this.#connected();
    const id = randomUUID();
    const ok = await this.#explained(
      this.#client.set(this.#leaseKey(key), id, 'PX', Math.ceil(ttlMs), 'NX'),
    );
    return ok === 'OK' ? id : undefined;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    await this.#connected();
    await this.#explained(this.#client.eval(DELETE_IF_EQUAL, 1, this.#leaseKey(key), leaseId));
  }

  /**
   * Resolves once the first connection is up (at once if it is), or once it has failed for a reason that
   * waiting will not cure (a refused TLS certificate, a refused password): the first store call then reports
   * that reason, in the module's one warning.
   */
  async ready(): Promise<void> {
    if (this.#client.status === 'ready' || isPermanent(this.#connectError)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#client.off('ready', done);
        this.#client.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        if (isPermanent(error)) done();
      };
      this.#client.on('ready', done);
      this.#client.on('error', onError);
    });
  }

  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  /** Shows the prefix and the connection status, never a token or the key secret. */
  [inspect.custom](): string {
    return `RedisTokenStore { prefix: '${this.#prefix}', status: '${this.#client.status}' }`;
  }

  // The hash tag `{…}` puts a token and its lease in one cluster slot.
  #tokenKey(key: string): string {
    return `${this.#prefix}{${key}}`;
  }

  #leaseKey(key: string): string {
    return `${this.#prefix}{${key}}:lease`;
  }

  /**
   * An ACL refusal says what to fix: the module logs the store's failure once, and "NOPERM" alone does not
   * tell a key prefix from a missing command. Redis's own words (a key or command name, never a value) follow.
   */
  async #explained<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      // A refused command inside MULTI shows as EXECABORT, with the refusal among its previous errors.
      const errors = [error, ...((error as { previousErrors?: unknown[] })?.previousErrors ?? [])];
      const message = errors
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .find((m) => m.includes('NOPERM'));
      if (message === undefined) throw error;
      throw new Error(
        `the Redis ACL refuses the token store (NOPERM): its user needs the keys ~${this.#prefix}* and the ` +
          `commands get set pttl del eval multi exec (${message})`,
        { cause: error },
      );
    }
  }

  /** Waits for the first connection; once it has been up, a lost connection fails at once (no queueing). */
  async #connected(): Promise<void> {
    if (this.#client.status === 'ready') return;
    if (this.#wasReady) throw new Error(`the Redis connection is ${this.#client.status}`);
    // Not up yet and the last attempt failed: say why at once rather than wait out the call's bound.
    if (this.#connectError !== undefined) throw connectionError(this.#connectError);
    this.#firstReady ??= new Promise<void>((resolve) =>
      this.#client.once('ready', () => resolve()),
    );
    await this.#firstReady;
  }
}
