import type { TokenGrant } from 'nestjs-sendfact-auth';
import type { TokenRequest, TokenSource } from '../../lib/interfaces/token-source.interface.js';

interface Pending {
  resolve(grant: TokenGrant): void;
  reject(error: unknown): void;
  readonly signal: AbortSignal;
  readonly request: TokenRequest;
}

/**
 * A token source whose requests a test answers by hand. Each token request waits in `pending` (oldest first)
 * until `succeed` or `fail` answers it, or the cycle aborts it.
 */
export class FakeSource implements TokenSource {
  readonly pending: Pending[] = [];
  /** Every token request, in order, with what the cycle asked for. */
  readonly requests: TokenRequest[] = [];
  /** The tokens the cycle said the API refused, in order. */
  readonly refusedTokens: string[] = [];
  #issued = 0;

  token(request: TokenRequest): Promise<TokenGrant> {
    return new Promise<TokenGrant>((resolve, reject) => {
      this.requests.push(request);
      this.pending.push({ resolve, reject, signal: request.signal, request });
      request.signal.addEventListener('abort', () => reject(request.signal.reason), {
        once: true,
      });
    });
  }

  refused(accessToken: string): void {
    this.refusedTokens.push(accessToken);
  }

  /** Token requests made so far. */
  get calls(): number {
    return this.requests.length;
  }

  /** Answers the oldest pending request with a new token of `lifetimeMs` (and the rest of `grant`). */
  succeed(lifetimeMs = 120_000, grant: Partial<TokenGrant> = {}): string {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request pending');
    const token = `token-${++this.#issued}`;
    next.resolve({ accessToken: token, lifetimeMs, ...grant });
    return token;
  }

  /** Fails the oldest pending request with `error`. */
  fail(error: unknown): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no token request pending');
    next.reject(error);
  }
}
