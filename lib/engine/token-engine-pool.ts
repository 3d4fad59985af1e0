import { SendfactTooManyAccountsError } from '../sendfact-auth.errors.js';
import type { Clock, TimerHandle } from './clock.js';
import type { TokenEngine } from './token-engine.js';

/** What the pool needs of what it holds: a token engine, or an account that owns one. */
export interface PooledEngine {
  /** A token request is under way: never evicted meanwhile. */
  readonly refreshing: boolean;
  close(): void;
}

export interface TokenEnginePoolOptions<T extends PooledEngine = TokenEngine> {
  /** Makes the engine of an account the pool has not seen (or has evicted). */
  create: (accountId: string) => T;
  clock: Clock;
  /**
   * At most this many engines, those with a token request under way included; past it the least recently
   * used idle one goes, and when none is idle a new account is refused.
   */
  maxEngines: number;
  /** An engine unused for this long is dropped (its account gets a new one on next use). */
  idleTtlMs: number;
}

interface Slot<T> {
  engine: T;
  lastUsed: number;
}

/**
 * One token engine per account, made on first use and dropped when idle, so that memory stays bounded for
 * thousands of tenants. An engine with a token request under way is never dropped, and it still counts: when
 * every engine is busy, a new account fails fast with {@link SendfactTooManyAccountsError} rather than
 * grow the pool (and the open token requests) without bound, e.g. against a token endpoint that hangs.
 * Failing fast rather than queueing keeps a caller from waiting on other tenants' requests.
 */
export class TokenEnginePool<T extends PooledEngine = TokenEngine> {
  readonly #options: TokenEnginePoolOptions<T>;
  readonly #slots = new Map<string, Slot<T>>();
  #sweep: TimerHandle | undefined;
  #closed = false;

  constructor(options: TokenEnginePoolOptions<T>) {
    this.#options = options;
  }

  /**
   * The engine of `accountId`, made if needed. Throws {@link SendfactTooManyAccountsError} when the pool is
   * full and no engine in it is idle.
   */
  get(accountId: string): T {
    const now = this.#options.clock.now();
    const slot = this.#slots.get(accountId);
    if (slot !== undefined) {
      slot.lastUsed = now;
      return slot.engine;
    }
    if (this.#slots.size >= this.#options.maxEngines && !this.#evictLeastRecentlyUsed()) {
      throw new SendfactTooManyAccountsError(this.#options.maxEngines, { accountId });
    }
    const engine = this.#options.create(accountId);
    this.#slots.set(accountId, { engine, lastUsed: now });
    this.#scheduleSweep();
    return engine;
  }

  /** The engine of `accountId` if the pool has one; never makes one. */
  peek(accountId: string): T | undefined {
    return this.#slots.get(accountId)?.engine;
  }

  get size(): number {
    return this.#slots.size;
  }

  engines(): IterableIterator<T> {
    return [...this.#slots.values()].map((slot) => slot.engine).values();
  }

  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    this.#sweep = undefined;
    for (const { engine } of this.#slots.values()) engine.close();
    this.#slots.clear();
  }

  /** Drops the least recently used idle engine; returns whether there was one. */
  #evictLeastRecentlyUsed(): boolean {
    let oldest: [string, Slot<T>] | undefined;
    for (const entry of this.#slots) {
      if (
        !entry[1].engine.refreshing &&
        (oldest === undefined || entry[1].lastUsed < oldest[1].lastUsed)
      ) {
        oldest = entry;
      }
    }
    if (oldest === undefined) return false;
    this.#drop(oldest[0], oldest[1]);
    return true;
  }

  #scheduleSweep(): void {
    if (this.#sweep !== undefined || this.#closed || this.#slots.size === 0) return;
    // Nobody awaits the sweep: it must not keep the process alive.
    this.#sweep = this.#options.clock.setTimer(
      () => {
        this.#sweep = undefined;
        const cutoff = this.#options.clock.now() - this.#options.idleTtlMs;
        for (const [accountId, slot] of this.#slots) {
          if (slot.lastUsed <= cutoff && !slot.engine.refreshing) this.#drop(accountId, slot);
        }
        this.#scheduleSweep();
      },
      Math.max(1_000, this.#options.idleTtlMs / 2),
      { keepAlive: false },
    );
  }

  #drop(accountId: string, slot: Slot<T>): void {
    this.#slots.delete(accountId);
    slot.engine.close();
  }
}
