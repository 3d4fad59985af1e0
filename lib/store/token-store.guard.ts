import { setKeepAliveTimer } from '../engine/clock.js';
import type { Clock, KeepAlive, TimerHandle } from '../interfaces/clock.interface.js';
import type { SendfactTokenStore } from '../interfaces/sendfact-token-store.interface.js';

/** A store call failed or took too long: the caller falls back to fetching for this process alone. */
export class StoreUnavailable extends Error {}

/**
 * Calls a token store, each call bounded in time, and follows whether the store is up: `onStoreHealth` hears
 * of each change once, not of every failed call.
 */
export class TokenStoreGuard {
  readonly store: SendfactTokenStore;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onStoreHealth: (healthy: boolean, reason?: string) => void;
  /** Fires when the module closes: no call starts after it, and every call under way stops waiting. */
  readonly #closing: AbortSignal;
  #healthy = true;

  constructor(options: {
    store: SendfactTokenStore;
    clock: Clock;
    storeTimeoutMs: number;
    /** The module's closing signal. */
    closing: AbortSignal;
    onStoreHealth: (healthy: boolean, reason?: string) => void;
  }) {
    this.store = options.store;
    this.#clock = options.clock;
    this.#timeoutMs = options.storeTimeoutMs;
    this.#onStoreHealth = options.onStoreHealth;
    this.#closing = options.closing;
  }

  /**
   * One store call, bounded in time; a failure marks the store down (logged once) and throws StoreUnavailable.
   * The bound keeps the process alive while a caller waits on the call (`keepAlive`): a store that never
   * answers must not let a script awaiting a token exit silently. `signal` (the token request's) and the
   * module closing end the wait at once, its timer with it (the store's own promise is left to the store); once
   * either has fired, the store is not called at all.
   */
  async call<T>(
    fn: (store: SendfactTokenStore) => Promise<T>,
    keepAlive: KeepAlive,
    signal?: AbortSignal,
  ): Promise<T> {
    let timer: TimerHandle | undefined;
    let onAbort: (() => void) | undefined;
    const closing = this.#closing;
    if (signal?.aborted) throw signal.reason;
    if (closing.aborted) throw closing.reason;
    try {
      const result = await Promise.race([
        fn(this.store),
        new Promise<never>((_, reject) => {
          // After an event-loop stall the timer can run before the reply already waiting on the socket:
          // give pending I/O one turn before calling the store slow.
          timer = setKeepAliveTimer(
            this.#clock,
            () => setImmediate(() => reject(new Error(`no answer in ${this.#timeoutMs} ms`))),
            this.#timeoutMs,
            keepAlive,
          );
          onAbort = () => reject(signal?.aborted ? signal.reason : closing.reason);
          if (signal?.aborted || closing.aborted) return onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
          closing.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      if (!this.#healthy) {
        this.#healthy = true;
        this.#onStoreHealth(true);
      }
      return result;
    } catch (error) {
      if (signal?.aborted || closing.aborted) throw error;
      if (this.#healthy) {
        this.#healthy = false;
        this.#onStoreHealth(false, (error as Error)?.message ?? String(error));
      }
      throw new StoreUnavailable();
    } finally {
      timer?.cancel();
      if (onAbort !== undefined) {
        signal?.removeEventListener('abort', onAbort);
        closing.removeEventListener('abort', onAbort);
      }
    }
  }
}
