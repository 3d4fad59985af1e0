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
 * The default token store: a map in this process, shared by every `SendfactAuthService` that is given the
 * same instance. Entries expire by time; nothing runs in the background.
 */
export class InMemoryTokenStore implements SendfactTokenStore {
  /** Nobody outside the process can list this map: a fast keyed derivation is enough. */
  readonly keyDerivation = 'process-local' as const;
  readonly #tokens = new Map<string, Entry>();
  readonly #leases = new Map<string, { id: string; until: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
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
    if (ttlMs <= 0) return;
    this.#tokens.set(key, { ...token, until: this.#now() + ttlMs });
  }

  async deleteIfCurrent(key: string, accessToken: string): Promise<void> {
    if (this.#tokens.get(key)?.accessToken === accessToken) this.#tokens.delete(key);
  }

  async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
    const now = this.#now();
    const held = this.#leases.get(key);
    if (held !== undefined && held.until > now) return undefined;
    const id = randomUUID();
    this.#leases.set(key, { id, until: now + ttlMs });
    return id;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    if (this.#leases.get(key)?.id === leaseId) this.#leases.delete(key);
  }

  /** Shows how many tokens it holds, never the tokens. */
  [inspect.custom](): string {
    return `InMemoryTokenStore { tokens: ${this.#tokens.size} }`;
  }
}
