import type { Clock, TimerHandle } from './clock.js';
import type { TokenEngine } from './token-engine.js';

export interface TokenEnginePoolOptions {
  /** Makes the engine of an account the pool has not seen (or has evicted). */
  create: (accountId: string) => TokenEngine;
  clock: Clock;
  /** At most this many engines; past it the least recently used idle one goes. */
  maxEngines: number;
  /** An engine unused for this long is dropped (its account gets a new one on next use). */
  idleTtlMs: number;
}

interface Slot {
  engine: TokenEngine;
  lastUsed: number;
}

/**
 * One token engine per account, made on first use and dropped when idle, so that memory stays bounded for
 * thousands of tenants. An engine with a token request under way is never dropped.
 */
export class TokenEnginePool {
  readonly #options: TokenEnginePoolOptions;
  readonly #slots = new Map<string, Slot>();
  #sweep: TimerHandle | undefined;
  #closed = false;

  constructor(options: TokenEnginePoolOptions) {
    this.#options = options;
  }

  /** The engine of `accountId`, made if needed. */
  get(accountId: string): TokenEngine {
    const now = this.#options.clock.now();
    const slot = this.#slots.get(accountId);
    if (slot !== undefined) {
      slot.lastUsed = now;
      return slot.engine;
    }
    const engine = this.#options.create(accountId);
    this.#slots.set(accountId, { engine, lastUsed: now });
    if (this.#slots.size > this.#options.maxEngines) this.#evictLeastRecentlyUsed(accountId);
    this.#scheduleSweep();
    return engine;
  }

  /** The engine of `accountId` if the pool has one; never makes one. */
  peek(accountId: string): TokenEngine | undefined {
    return this.#slots.get(accountId)?.engine;
  }

  get size(): number {
    return this.#slots.size;
  }

  engines(): IterableIterator<TokenEngine> {
    return [...this.#slots.values()].map((slot) => slot.engine).values();
  }

  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    this.#sweep = undefined;
    for (const { engine } of this.#slots.values()) engine.close();
    this.#slots.clear();
  }

  #evictLeastRecentlyUsed(keep: string): void {
    let oldest: [string, Slot] | undefined;
    for (const entry of this.#slots) {
      if (
        entry[0] !== keep &&
        !entry[1].engine.refreshing &&
        (oldest === undefined || entry[1].lastUsed < oldest[1].lastUsed)
      ) {
        oldest = entry;
      }
    }
    if (oldest !== undefined) this.#drop(oldest[0], oldest[1]);
  }

  #scheduleSweep(): void {
    if (this.#sweep !== undefined || this.#closed || this.#slots.size === 0) return;
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
    );
  }

  #drop(accountId: string, slot: Slot): void {
    this.#slots.delete(accountId);
    slot.engine.close();
  }
}
