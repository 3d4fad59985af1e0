import { availableParallelism } from 'node:os';
import { inspect } from 'node:util';
import { ConcurrencyLimiter } from '../client/token-request.limiter.js';
import {
  type ScryptFunction,
  type TokenKeyDerivation,
  type TokenKeys,
  deriveTokenKeys,
  tokenKeyring,
} from './token-key.derivation.js';

/**
 * CPU time of one scrypt derivation (N = 2^14, r = 8, p = 1), in ms, measured by `npm run bench:tenants` on a
 * 2-core AMD EPYC VM (docs/BENCHMARKS.md, "Many tenants at a cold start"): what each account costs a process
 * at its first token when the store has no key secret.
 */
export const SCRYPT_CPU_MS_PER_ACCOUNT = 30;

/** libuv's thread pool: its size when `UV_THREADPOOL_SIZE` is unset, and the most it accepts. */
const UV_THREADPOOL = { default: 4, max: 1024 } as const;
/**
 * Pool threads left to what else needs them while keys are derived: `dns.lookup` (every token request's
 * connection starts with one) and file I/O. With the default pool of 4, two derivations at once leave a
 * lookup at 0.2 ms at the median; four at once made it 16 ms, and 66 ms at p99 (docs/BENCHMARKS.md).
 */
const POOL_THREADS_KEPT = 2;

/**
 * How many scrypt derivations may run at once by default: what libuv's pool can spare (`UV_THREADPOOL_SIZE`,
 * 4 unless set, minus 2 for DNS and file I/O), at most one per core (more run no faster, and each holds
 * 16 MiB), at least 1.
 */
export function defaultScryptConcurrency(
  threadPoolSize: string | undefined = process.env['UV_THREADPOOL_SIZE'],
  cores: number = availableParallelism(),
): number {
  // As libuv reads it: a number, 0 (or not a number) meaning 1, capped.
  const parsed =
    threadPoolSize === undefined ? UV_THREADPOOL.default : parseInt(threadPoolSize, 10);
  const pool = Math.min(Math.max(Number.isNaN(parsed) ? 1 : parsed, 1), UV_THREADPOOL.max);
  return Math.max(1, Math.min(pool - POOL_THREADS_KEPT, cores));
}

/** Options of {@link TokenKeyDeriver}. */
export interface TokenKeyDeriverOptions {
  /** How many scrypt derivations run at once at most. Default: {@link defaultScryptConcurrency}. */
  concurrency?: number;
  /** The scrypt function: Node's `crypto.scrypt` unless a test gives one it controls. */
  scrypt?: ScryptFunction;
}

/**
 * Derives the store keys of the module's accounts (see `deriveTokenKeys`): HMACs at once, scrypt derivations at
 * most `concurrency` at a time, in their order of arrival, on libuv's thread pool (off the event loop). A cold
 * start of N accounts without a key secret then costs N scrypts of CPU spread over the cores the pool can
 * spare, and never holds the threads DNS lookups need. One instance per module, provided behind an injection
 * token so that a test can give it a scrypt function of its own.
 */
export class TokenKeyDeriver {
  /** How many scrypt derivations run at once at most. */
  readonly concurrency: number;
  readonly #scrypt: ScryptFunction | undefined;
  /** The scrypt slots, handed out in order of arrival. */
  readonly #slots: ConcurrencyLimiter;

  constructor(options: TokenKeyDeriverOptions = {}) {
    const concurrency = options.concurrency ?? defaultScryptConcurrency();
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
    this.concurrency = concurrency;
    this.#scrypt = options.scrypt;
    this.#slots = new ConcurrencyLimiter(concurrency);
  }

  /**
   * The keys of each credential under `derivation` and `baseUrl`, derived once per credentials object
   * (a rotated password is a new object, hence a new key); a failed derivation is tried again next time.
   */
  keyring(
    derivation: TokenKeyDerivation,
    baseUrl: string,
    closing?: AbortSignal,
  ): (credentials: { username: string; password: string }) => Promise<TokenKeys> {
    return tokenKeyring(derivation, baseUrl, (credentials) =>
      this.derive(derivation, baseUrl, credentials, closing),
    );
  }

  /**
   * One derivation, not cached: scrypt ones wait for a slot, after those that asked before them. One still
   * waiting when `closing` fires leaves the queue, rejected with its reason, and costs no CPU.
   */
  async derive(
    derivation: TokenKeyDerivation,
    baseUrl: string,
    credentials: { username: string; password: string },
    closing?: AbortSignal,
  ): Promise<TokenKeys> {
    if (derivation !== 'scrypt') return deriveTokenKeys(derivation, baseUrl, credentials);
    await this.#slots.acquire(closing);
    try {
      return await deriveTokenKeys(derivation, baseUrl, credentials, this.#scrypt);
    } finally {
      this.#slots.release();
    }
  }

  /** Shows the bound and the queue, nothing of a credential. */
  [inspect.custom](): string {
    return `TokenKeyDeriver { concurrency: ${this.concurrency}, running: ${this.#slots.active}, waiting: ${this.#slots.queued} }`;
  }
}

/**
 * The one warning of a module whose store derives its keys with scrypt (a `RedisTokenStore` without
 * `keySecret`): what it costs per account and for 1,000 and 10,000 accounts, and how to avoid it. Names no
 * credential and no secret.
 */
export function scryptKeyWarning(
  concurrency: number = defaultScryptConcurrency(),
  msPerAccount: number = SCRYPT_CPU_MS_PER_ACCOUNT,
): string {
  // Each derivation runs on a core of its own at best: the wait is the CPU time spread over them.
  const parallel = Math.max(1, Math.min(concurrency, availableParallelism()));
  const cpu = (accounts: number) => duration(accounts * msPerAccount);
  const wait = (accounts: number) => duration((accounts * msPerAccount) / parallel);
  return (
    `The token store has no keySecret, so each account's token key is derived with scrypt: about ` +
    `${msPerAccount} ms of CPU per account and process, ${parallel} at a time. A cold start of 1,000 ` +
    `accounts costs ${cpu(1_000)} of CPU (some ${wait(1_000)} before the last key), 10,000 accounts ` +
    `${cpu(10_000)} (some ${wait(10_000)}). Set RedisTokenStore's keySecret (SENDFACT_TOKEN_KEY_SECRET in ` +
    `the docs: at least 16 bytes, the same on every replica) and keys cost microseconds.`
  );
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  const min = s / 60;
  return `${min < 10 ? Number(min.toFixed(1)) : Math.round(min)} min`;
}
