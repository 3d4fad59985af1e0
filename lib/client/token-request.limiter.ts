import type { TokenGrant } from '../interfaces/token-grant.interface.js';
import type { TokenRequest, TokenSource } from '../interfaces/token-source.interface.js';

/** One queued caller; a doubly linked list, so that an aborted one leaves in O(1) from anywhere. */
interface Waiter {
  start: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/**
 * A cap on work in flight: callers past it queue and are served in arrival order (FIFO), and a freed slot
 * goes to the oldest of them, never to a caller that came later; one whose signal fires leaves the queue at
 * once. The module's one queue, for three kinds of work: token requests (thousands of cold accounts at once
 * would otherwise open thousands of connections to the token endpoint, which then answers them all slowly or
 * rate-limits them all), calls to the app's `credentialsResolver`, and scrypt key derivations.
 */
export class ConcurrencyLimiter {
  readonly #max: number;
  #first: Waiter | undefined;
  #last: Waiter | undefined;
  #active = 0;
  #queued = 0;

  constructor(maxConcurrent: number) {
    this.#max = maxConcurrent;
  }

  /** Slots held now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a turn now. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * A slot, once fewer than the cap are in flight, in the order of the calls; give it back with
   * {@link release}. Rejects with `signal.reason`, holding no slot, if `signal` fires while it waits.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#max && this.#first === undefined) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#active++;
          resolve();
        },
        prev: this.#last,
        next: undefined,
      };
      if (this.#last === undefined) this.#first = waiter;
      else this.#last.next = waiter;
      this.#last = waiter;
      this.#queued++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives a slot back: the next caller in the queue, if any, takes it. */
  release(): void {
    this.#active--;
    while (this.#active < this.#max && this.#first !== undefined) {
      const waiter = this.#first;
      this.#remove(waiter);
      waiter.start();
    }
  }

  /** A source of one account's tokens that takes a slot of this cap for each token request. */
  limit(source: TokenSource): TokenSource {
    return new LimitedTokenSource(source, this);
  }

  #remove(waiter: Waiter): void {
    if (waiter.prev === undefined) this.#first = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.#last = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.#queued--;
  }
}

/** A token source behind the process-wide cap: a slot is held for the whole request, lease and store included. */
class LimitedTokenSource implements TokenSource {
  readonly #inner: TokenSource;
  readonly #limiter: ConcurrencyLimiter;

  constructor(inner: TokenSource, limiter: ConcurrencyLimiter) {
    this.#inner = inner;
    this.#limiter = limiter;
  }

  async token(request: TokenRequest): Promise<TokenGrant> {
    await this.#limiter.acquire(request.signal);
    try {
      return await this.#inner.token(request);
    } finally {
      this.#limiter.release();
    }
  }

  refused(accessToken: string): void {
    this.#inner.refused?.(accessToken);
  }
}
