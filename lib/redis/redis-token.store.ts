import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import type {
  SendfactTokenStore,
  StoredToken,
} from '../interfaces/sendfact-token-store.interface.js';

/** How `RedisTokenStore` reaches Redis: give it a client or a URL. */
export interface RedisTokenStoreOptions {
  /** An ioredis client of yours (you close it), ... */
  client?: Redis;
  /** ...or a URL, e.g. `redis://127.0.0.1:6379/0`, for a client the store opens and closes itself. */
  url?: string;
  /** Options of the client the store opens. */
  redisOptions?: RedisOptions;
  /** Prefix of every key. Default `sendfact:token:`. */
  keyPrefix?: string;
}

/** Compare-and-delete of a token: the value is `<lifetimeMs> <token>`. */
const DELETE_IF_TOKEN = `local v = redis.call('GET', KEYS[1])
if v and #v > #ARGV[1] and string.sub(v, -#ARGV[1] - 1) == ' ' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Compare-and-delete of a lease. */
const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Shares one token per account across every replica through Redis (ioredis): a key per account holding the
 * token until its safety margin (`PX`), and a short `SET NX PX` lease so that one replica fetches while the
 * others wait. Tokens sit in Redis in clear: protect it like the credentials (see the README).
 */
export class RedisTokenStore implements SendfactTokenStore {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  #firstReady: Promise<void> | undefined;
  #wasReady = false;

  constructor(options: RedisTokenStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'sendfact:token:';
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else {
      if (options.url === undefined) throw new TypeError('RedisTokenStore needs a client or a url');
      this.#client = new Redis(options.url, {
        // Fail fast while disconnected: the module then uses per-process tokens instead of waiting.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 100, 1_000),
        ...options.redisOptions,
      });
      this.#ownsClient = true;
      // Connection errors surface as failed commands; without a listener ioredis would crash the process.
      this.#client.on('error', () => undefined);
    }
    this.#wasReady = this.#client.status === 'ready';
    this.#client.on('ready', () => {
      this.#wasReady = true;
    });
  }

  async get(key: string): Promise<StoredToken | undefined> {
    await this.#connected();
    const k = this.#prefix + key;
    const replies = (await this.#client.multi().get(k).pttl(k).exec()) ?? [];
    const value = replies[0]?.[1];
    const pttl = replies[1]?.[1];
    if (typeof value !== 'string' || typeof pttl !== 'number' || pttl <= 0) return undefined;
    const space = value.indexOf(' ');
    return {
      lifetimeMs: Number(value.slice(0, space)),
      accessToken: value.slice(space + 1),
      remainingMs: pttl,
    };
  }

  async set(
    key: string,
    token: { accessToken: string; lifetimeMs: number },
    ttlMs: number,
  ): Promise<void> {
    if (ttlMs <= 0) return;
    await this.#connected();
    await this.#client.set(
      this.#prefix + key,
      `${token.lifetimeMs} ${token.accessToken}`,
      'PX',
      Math.ceil(ttlMs),
    );
  }

  async deleteIfCurrent(key: string, accessToken: string): Promise<void> {
    await this.#connected();
    await this.#client.eval(DELETE_IF_TOKEN, 1, this.#prefix + key, accessToken);
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
    await this.#connected();
    const id = randomUUID();
    const ok = await this.#client.set(
      `${this.#prefix}${key}:lease`,
      id,
      'PX',
      Math.ceil(ttlMs),
      'NX',
    );
    return ok === 'OK' ? id : undefined;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    await this.#connected();
    await this.#client.eval(DELETE_IF_EQUAL, 1, `${this.#prefix}${key}:lease`, leaseId);
  }

  /** Resolves once the first connection is up (at once if it is). */
  ready(): Promise<void> {
    return this.#connected();
  }

  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  /** Shows the prefix and the connection status, never a token. */
  [inspect.custom](): string {
    return `RedisTokenStore { prefix: '${this.#prefix}', status: '${this.#client.status}' }`;
  }

  /** Waits for the first connection; once it has been up, a lost connection fails at once (no queueing). */
  async #connected(): Promise<void> {
    if (this.#client.status === 'ready') return;
    if (this.#wasReady) throw new Error(`the Redis connection is ${this.#client.status}`);
    this.#firstReady ??= new Promise<void>((resolve) =>
      this.#client.once('ready', () => resolve()),
    );
    await this.#firstReady;
  }
}
