import { ConcurrencyLimiter } from '../client/token-request.limiter.js';
import { runtimeAccountIdProblem } from '../config/account-id.js';
import type { SendfactCredentials } from '../interfaces/sendfact-credentials.interface.js';
import {
  SendfactAuthClosedError,
  SendfactCredentialsResolverError,
  SendfactUnknownAccountError,
} from '../sendfact-auth.errors.js';
import type { ResolvedSendfactAuthOptions } from '../sendfact-auth.options.js';
import { UNKNOWN_ACCOUNT_MEMORY, UNKNOWN_ACCOUNT_MEMORY_MS } from '../sendfact-auth.constants.js';

/**
 * The door every account id named at run time goes through: a configured id is known at once; any other is
 * checked (`runtimeAccountIdProblem`), then asked of the `credentialsResolver`, at most
 * `maxConcurrentResolverCalls` at a time and each within `credentialsResolverTimeoutMs`. An id the resolver
 * does not know is remembered as unknown for a short while, so that repeats cost the app's database nothing.
 * Nothing is made for an account (no token cycle, no token-request slot) before it has passed the door.
 */
export class CredentialsResolution {
  readonly #options: ResolvedSendfactAuthOptions;
  readonly #limiter: ConcurrencyLimiter;
  /** Ids the resolver did not know, until when that answer stands (oldest first). */
  readonly #unknown = new Map<string, number>();
  /**
   * The module's closing signal: callers waiting on the resolver, or for a turn at it, then get
   * `SendfactAuthClosedError` at once, and their time limits go (the resolver's own promise is left to the app).
   */
  readonly #closing: AbortSignal;

  constructor(options: ResolvedSendfactAuthOptions, closing: AbortSignal) {
    this.#options = options;
    this.#limiter = new ConcurrencyLimiter(options.maxConcurrentResolverCalls);
    this.#closing = closing;
  }

  /** The configured login of `accountId`, if any: no resolver call. */
  configured(accountId: string): SendfactCredentials | undefined {
    return this.#options.credentialsFor(accountId);
  }

  /**
   * The login of `accountId`: the configured one, else the resolver's. Rejects with
   * `SendfactUnknownAccountError` for an id refused at the door or unknown to the resolver (now or within the
   * last `UNKNOWN_ACCOUNT_MEMORY_MS`), and `SendfactCredentialsResolverError` when the resolver throws or takes
   * too long.
   */
  async resolve(accountId: string): Promise<SendfactCredentials> {
    const configured = this.#options.credentialsFor(accountId);
    if (configured !== undefined) return configured;
    const resolver = this.#options.credentialsResolver;
    if (resolver === undefined) throw new SendfactUnknownAccountError(accountId);
    if (this.#closing.aborted) throw new SendfactAuthClosedError({ accountId });
    const problem = runtimeAccountIdProblem(accountId);
    if (problem !== undefined) throw new SendfactUnknownAccountError(accountId, problem);
    const { clock } = this.#options;
    const until = this.#unknown.get(accountId);
    if (until !== undefined) {
      if (clock.now() < until) throw new SendfactUnknownAccountError(accountId);
      this.#unknown.delete(accountId);
    }
    const found = await this.#ask(resolver, accountId);
    if (!isLogin(found)) {
      this.#unknown.set(accountId, clock.now() + UNKNOWN_ACCOUNT_MEMORY_MS);
      if (this.#unknown.size > UNKNOWN_ACCOUNT_MEMORY)
        this.#unknown.delete(this.#unknown.keys().next().value as string);
      throw new SendfactUnknownAccountError(accountId);
    }
    return { username: found.username, password: found.password };
  }

  /** Whether the resolver may know ids that are not configured. */
  get resolves(): boolean {
    return this.#options.credentialsResolver !== undefined;
  }

  /**
   * One resolver call, a turn at the resolver included, within its time limit (a caller waits on it: the limit
   * keeps the process alive), or until the module closes. The slot is held until the resolver settles, even
   * past the limit: a slow database gets no more calls at once, and callers queued behind it time out.
   */
  async #ask(
    resolver: NonNullable<ResolvedSendfactAuthOptions['credentialsResolver']>,
    accountId: string,
  ): Promise<SendfactCredentials | undefined> {
    const { clock, credentialsResolverTimeoutMs: timeoutMs } = this.#options;
    // Fires on the time limit or the module closing, with the error the caller gets.
    const stop = new AbortController();
    const onClose = () => stop.abort(new SendfactAuthClosedError({ accountId }));
    this.#closing.addEventListener('abort', onClose, { once: true });
    const timer = clock.setTimer(
      () => stop.abort(new SendfactCredentialsResolverError(timeoutMs, { accountId })),
      timeoutMs,
      { keepAlive: true },
    );
    try {
      await this.#limiter.acquire(stop.signal);
      const answer = Promise.resolve()
        .then(() => resolver(accountId))
        .finally(() => this.#limiter.release());
      return await new Promise<SendfactCredentials | undefined>((resolve, reject) => {
        const onStop = () => reject(stop.signal.reason);
        if (stop.signal.aborted) return onStop();
        stop.signal.addEventListener('abort', onStop, { once: true });
        answer.then(resolve, (cause: unknown) =>
          reject(
            new SendfactCredentialsResolverError(undefined, {
              accountId,
              cause: cause ?? new Error('the resolver threw'),
            }),
          ),
        );
      });
    } finally {
      timer.cancel();
      this.#closing.removeEventListener('abort', onClose);
    }
  }
}

function isLogin(found: unknown): found is SendfactCredentials {
  const login = found as Partial<SendfactCredentials> | null | undefined;
  return (
    typeof login?.username === 'string' &&
    typeof login.password === 'string' &&
    login.username !== '' &&
    login.password !== ''
  );
}
