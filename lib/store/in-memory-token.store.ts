import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type {
  SendfactTokenStore,
  StoredToken,
} from '../interfaces/sendfact-token-store.interface.js';

interface Entry {
  accessToken: string;
  lifetimeMs: number;
  mac?: string;
  until: number;
}

/**
 * How often at most a write sweeps out what has expired, in ms: the sweep walks every entry, so once a second
 * keeps it to a fraction of a millisecond a second for 10,000 accounts, while nothing expired outlives the
 * next write by more than a second.
 */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * The default token store: a map in this process, shared by every `SendfactAuthService` that is given the
 * same instance. Entries expire by time; a write sweeps out those that have (at most once a second), so the
 * store holds about as many entries as there are live tokens and leases. Nothing runs in the background.
 */
export class InMemoryTokenStore implements SendfactTokenStore {
  /** Nobody outside the process can list this map: a fast keyed derivation is enough. */
  readonly keyDerivation = 'process-local' as const;
  readonly #tokens = new Map<string, Entry>();
  readonly #leases = new Map<string, { id: string; until: number }>();
  readonly #now: () => number;
  #nextSweepAt = -Infinity;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** How many tokens it holds: the live ones, and those expired since the last write's sweep. */
  get size(): number {
    return this.#tokens.size;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const entry = this.#tokens.get(key);
    if (entry === undefined) return undefined;
    const remainingMs = entry.until - this.#now();
    if (remainingMs <= 0) {
      this.#tokens.delete(key);
      return undefined;
    }
    return {
      accessToken: entry.accessToken,
      lifetimeMs: entry.lifetimeMs,
      remainingMs,
      ...(entry.mac === undefined ? {} : { mac: entry.mac }),
    };
  }

  async set(
    key: string,
    token: { accessToken: string; lifetimeMs: number; mac?: string },
    ttlMs: number,
  ): Promise<void> {
    const now = this.#sweep();
    if (ttlMs <= 0) return;
    this.#tokens.set(key, { ...token, until: now + ttlMs });
  }

  async deleteIfCurrent(key: string, accessToken: string): Promise<void> {
    if (this.#tokens.get(key)?.accessToken === accessToken) this.#tokens.delete(key);
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
    const now = this.#sweep();
    const held = this.#leases.get(key);
    if (held !== undefined && held.until > now) return undefined;
    const id = randomUUID();
    this.#leases.set(key, { id, until: now + ttlMs });
    return id;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    if (this.#leases.get(key)?.id === leaseId) this.#leases.delete(key);
  }

  /** Shows how many tokens and leases it holds, never the tokens. */
  [inspect.custom](): string {
    return `InMemoryTokenStore { tokens: ${this.#tokens.size}, leases: ${this.#leases.size} }`;
  }

  /** Drops every expired token and lease, if the last sweep is a second old; returns the time it read. */
  #sweep(): number {
    const now = this.#now();
    if (now < this.#nextSweepAt) return now;
    this.#nextSweepAt = now + SWEEP_INTERVAL_MS;
    // Deleting the entry being visited is safe in a Map's iteration.
    for (const [key, entry] of this.#tokens) if (entry.until <= now) this.#tokens.delete(key);
    for (const [key, lease] of this.#leases) if (lease.until <= now) this.#leases.delete(key);
    return now;
  }
}
