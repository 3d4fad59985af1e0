import type {
  SendfactCredentials,
  SendfactTokenStore,
  StoredToken,
  TokenGrant,
} from 'nestjs-sendfact-auth';
import { NOBODY_WAITS } from '../../lib/engine/clock.js';
import { DEFAULT_REFRESH_POLICY } from '../../lib/engine/refresh-policy.js';
import type { TokenRequest, TokenSource } from '../../lib/interfaces/token-source.interface.js';
import { type SharedTokenContext, SharedTokenSource } from '../../lib/store/shared-token.source.js';
import {
  type TokenKeyDerivation,
  deriveTokenKeys,
  storedTokenMac,
} from '../../lib/store/token-key.derivation.js';
import { TokenKeyDeriver } from '../../lib/store/token-key.deriver.js';
import { TokenStoreGuard } from '../../lib/store/token-store.guard.js';
import { FakeClock } from '../support/fake-clock.js';

// What the store specs share: a scripted token endpoint, and one replica's shared source for one account,
// built as the accounts registry builds it. The clock that shows its timers is the engine specs' one.

export const LOGIN = { username: 'USER20100070970', password: 'acme-pw' };
export const BASE_URL = 'https://sendfact.test';
export const HMAC_KEYS = { hmacSecret: 'a-key-secret-of-16-bytes' };

/** The token endpoint of one replica: call n answers `answer(n)` (`token-n`, 120 s, by default). */
export class ScriptedEndpoint implements TokenSource {
  readonly requests: TokenRequest[] = [];
  answer: (n: number, request: TokenRequest) => Promise<TokenGrant>;

  constructor(answer?: (n: number, request: TokenRequest) => Promise<TokenGrant>) {
    this.answer = answer ?? (async (n) => ({ accessToken: `token-${n}`, lifetimeMs: 120_000 }));
  }

  /** Token requests made. */
  get calls(): number {
    return this.requests.length;
  }

  token(request: TokenRequest): Promise<TokenGrant> {
    this.requests.push(request);
    return this.answer(this.requests.length, request);
  }
}

export interface ReplicaOptions {
  store: SendfactTokenStore;
  clock: FakeClock;
  endpoint?: ScriptedEndpoint;
  storeTimeoutMs?: number;
  leaseMs?: number;
  pollIntervalMs?: number;
  /** The store key of a credential; by default derived as the registry does, cached per credentials object. */
  keysFor?: SharedTokenContext['keysFor'];
}

/**
 * One replica's shared source for the account `LOGIN`: its own endpoint, guard and key cache, with its own
 * credentials object, in front of a store other replicas may share.
 */
export function replica(options: ReplicaOptions) {
  const { store, clock } = options;
  const endpoint = options.endpoint ?? new ScriptedEndpoint();
  const health: { healthy: boolean; reason?: string | undefined }[] = [];
  const module = new AbortController();
  const guard = new TokenStoreGuard({
    store,
    clock,
    storeTimeoutMs: options.storeTimeoutMs ?? 60_000,
    closing: module.signal,
    onStoreHealth: (healthy, reason) => health.push({ healthy, reason }),
  });
  const keysFor =
    options.keysFor ?? new TokenKeyDeriver().keyring(store.keyDerivation ?? 'scrypt', BASE_URL);
  const login: SendfactCredentials = { ...LOGIN };
  const source = new SharedTokenSource(endpoint, async () => login, {
    guard,
    keysFor,
    policy: DEFAULT_REFRESH_POLICY,
    clock,
    leaseMs: options.leaseMs ?? 11_000,
    pollIntervalMs: options.pollIntervalMs ?? 25,
  });
  /** The module closes, as the accounts registry's close() does. */
  const close = () => module.abort(new Error('the module is closing'));
  return { source, guard, endpoint, health, close, keys: () => keysFor(login) };
}

/** A token request nobody waits on, with a signal that never fires unless given one. */
export function ask(overrides: Partial<TokenRequest> = {}): TokenRequest {
  return { signal: new AbortController().signal, keepAlive: NOBODY_WAITS, ...overrides };
}

/** Moves the clock `stepMs` at a time until `work` settles (at most 100 steps). */
export async function settle<T>(clock: FakeClock, work: Promise<T>, stepMs = 1_000): Promise<T> {
  const state = { done: false };
  void work.finally(() => (state.done = true)).catch(() => undefined);
  for (let i = 0; i < 100 && !state.done; i++) await clock.advance(stepMs);
  return work;
}

/** A value as the module stores it for `LOGIN`, with its MAC under `derivation`. */
export async function storedFor(
  derivation: TokenKeyDerivation,
  token: { accessToken: string; lifetimeMs: number; remainingMs: number },
): Promise<StoredToken> {
  const keys = await deriveTokenKeys(derivation, BASE_URL, LOGIN);
  return { ...token, mac: storedTokenMac(keys, token.lifetimeMs, token.accessToken) };
}
