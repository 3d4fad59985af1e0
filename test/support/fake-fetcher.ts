import type { TokenFetcher, TokenGrant } from 'nestjs-sendfact-auth';

interface Pending {
  resolve(grant: TokenGrant): void;
  reject(error: unknown): void;
  signal: AbortSignal;
}

/** A token fetcher whose requests a test answers by hand. */
export class FakeFetcher {
  readonly pending: Pending[] = [];
  calls = 0;
  #issued = 0;

  readonly fetch: TokenFetcher = (signal) =>
    new Promise<TokenGrant>((resolve, reject) => {
      this.calls++;
      const entry = { resolve, reject, signal };
      this.pending.push(entry);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });

  /** Answers the oldest pending request with a new token of `lifetimeMs`. */
  succeed(lifetimeMs = 120_000): string {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request pending');
    const token = `token-${++this.#issued}`;
    next.resolve({ accessToken: token, lifetimeMs });
    return token;
  }

  fail(error: unknown): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request pending');
    next.reject(error);
  }
}
