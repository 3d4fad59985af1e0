/** One queued caller; a doubly linked list, so that an aborted one leaves in O(1) from anywhere. */
interface Waiter {
  start: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/**
 * A process-wide cap on token requests in flight. Thousands of cold accounts at once (a restart, a batch
 * over every tenant) would otherwise open thousands of connections to the token endpoint, which then answers
 * them all slowly or rate-limits them all. Callers past the cap queue and are served in arrival order (FIFO);
 * one whose signal fires leaves the queue at once.
 */
export class TokenRequestLimiter {
  readonly #max: number;
  #first: Waiter | undefined;
  #last: Waiter | undefined;
  #active = 0;
  #queued = 0;

  constructor(maxConcurrent: number) {
    this.#max = maxConcurrent;
  }

  /** Token requests in flight now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a turn now. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Runs `task` once fewer than the cap are in flight, in the order of the calls. Rejects with
   * `signal.reason`, without running `task`, if `signal` fires while it waits.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#max && this.#first === undefined) return this.#start(task);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#remove(waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#start(task).then(resolve, reject);
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

  async #start<T>(task: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#next();
    }
  }

  #next(): void {
    while (this.#active < this.#max && this.#first !== undefined) {
      const waiter = this.#first;
      this.#remove(waiter);
      waiter.start();
    }
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
