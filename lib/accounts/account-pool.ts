import type { Clock, TimerHandle } from '../interfaces/clock.interface.js';
import { SendfactAuthClosedError, SendfactTooManyAccountsError } from '../sendfact-auth.errors.js';

/** What the pool needs of an account it holds. */
export interface PooledAccount {
  /** A token request is under way: never evicted meanwhile. */
  readonly refreshing: boolean;
  close(): void;
}

export interface AccountPoolOptions<T extends PooledAccount> {
  /** Makes an account the pool has not seen (or has evicted). */
  create: (accountId: string) => T;
  clock: Clock;
  /**
   * At most this many accounts, those with a token request under way included; past it the least recently
   * used idle one goes, and when none is idle a new account is refused.
   */
  maxAccounts: number;
  /** An account unused for this long is dropped (and made anew on next use). */
  idleTtlMs: number;
}

interface Slot<T> {
  account: T;
  lastUsed: number;
}

/**
 * The accounts of a module, each made on first use and dropped when idle, so that memory stays bounded for
 * thousands of tenants. An account with a token request under way is never dropped, and it still counts: when
 * every one is busy, a new account fails fast with {@link SendfactTooManyAccountsError} rather than
 * grow the pool (and the open token requests) without bound, e.g. against a token endpoint that hangs.
 * Failing fast rather than queueing keeps a caller from waiting on other tenants' requests.
 */
export class AccountPool<T extends PooledAccount> {
  readonly #options: AccountPoolOptions<T>;
  readonly #slots = new Map<string, Slot<T>>();
  #sweep: TimerHandle | undefined;
  #closed = false;

  constructor(options: AccountPoolOptions<T>) {
    this.#options = options;
  }

  /**
   * The account `accountId`, made if needed. Throws {@link SendfactTooManyAccountsError} when the pool is
   * full and no account in it is idle, and {@link SendfactAuthClosedError} once it is closed: nothing is made
   * after {@link close}, so no token request starts after it.
   */
  get(accountId: string, create: (accountId: string) => T = this.#options.create): T {
    if (this.#closed) throw new SendfactAuthClosedError({ accountId });
    const now = this.#options.clock.now();
    const slot = this.#slots.get(accountId);
    if (slot !== undefined) {
      slot.lastUsed = now;
      return slot.account;
    }
    if (this.#slots.size >= this.#options.maxAccounts && !this.#evictLeastRecentlyUsed()) {
      throw new SendfactTooManyAccountsError(this.#options.maxAccounts, { accountId });
    }
    const account = create(accountId);
    this.#slots.set(accountId, { account, lastUsed: now });
    this.#scheduleSweep();
    return account;
  }

  /** The account `accountId` if the pool has one; never makes one. */
  peek(accountId: string): T | undefined {
    return this.#slots.get(accountId)?.account;
  }

  get size(): number {
    return this.#slots.size;
  }

  accounts(): IterableIterator<T> {
    return [...this.#slots.values()].map((slot) => slot.account).values();
  }

  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
    this.#sweep = undefined;
    for (const { account } of this.#slots.values()) account.close();
    this.#slots.clear();
  }

  /** Drops the least recently used idle account; returns whether there was one. */
  #evictLeastRecentlyUsed(): boolean {
    let oldest: [string, Slot<T>] | undefined;
    for (const entry of this.#slots) {
      if (
        !entry[1].account.refreshing &&
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
          if (slot.lastUsed <= cutoff && !slot.account.refreshing) this.#drop(accountId, slot);
        }
        this.#scheduleSweep();
      },
      Math.max(1_000, this.#options.idleTtlMs / 2),
      { keepAlive: false },
    );
  }

  #drop(accountId: string, slot: Slot<T>): void {
    this.#slots.delete(accountId);
    slot.account.close();
  }
}
