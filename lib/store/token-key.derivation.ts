import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { SendfactTokenStore } from '../interfaces/sendfact-token-store.interface.js';

/** How a store wants its keys made; see `SendfactTokenStore.keyDerivation`. */
export type TokenKeyDerivation = NonNullable<SendfactTokenStore['keyDerivation']>;

/**
 * A random key made at process start for stores nobody outside this process can list: the key never leaves
 * the process, so a fast HMAC under it is as good as a slow derivation, and every service of the process
 * that shares a store instance derives the same keys.
 */
const PROCESS_SECRET = randomBytes(32);

/**
 * scrypt cost for stores other processes (or people) can list without a secret: N = 2^14, r = 8, p = 1, the
 * interactive-login cost of the scrypt paper (16 MiB, some 30 ms of one core, once per account and process),
 * puts each offline guess of a username AND password at scrypt speed instead of hash speed (a million times
 * slower than SHA-256). The price is CPU at a cold start: 10,000 accounts are 5 minutes of one core, hence the
 * module's warning (`scryptKeyWarning`) and its advice to set a key secret.
 */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 32 * 1024 * 1024 } as const;
/** Fixed salt: every replica must derive the same key; the base URL in the material separates deployments. */
const SCRYPT_SALT = 'nestjs-sendfact-auth/token-key/v1';

/**
 * What an account's credential gives a store: `name`, the key its token sits under, and `macKey`, the key of
 * the MAC stored with the token. Both come from one derivation of the whole credential; only `name` ever
 * reaches the store, so nobody with access to the store alone can make a value that verifies under a key.
 */
export interface TokenKeys {
  /** The store key: 32 bytes in hex. */
  readonly name: string;
  /** The MAC key of the values under `name`: 32 bytes that never leave the process. */
  readonly macKey: Buffer;
}

/**
 * The store key of an account's token, bound to the whole credential (base URL, username AND password), so
 * that a token is only ever handed to an account with the credentials Sendfact accepted for it, and the MAC
 * key its stored values are signed with. The key carries no username and no unkeyed hash of one: 64 bytes
 * of HMAC-SHA512 or scrypt output, the first half (in hex) naming the key, the second half the MAC key.
 * One derivation, unbounded: the module derives through `TokenKeyDeriver`, which bounds the scrypt ones.
 */
export async function deriveTokenKeys(
  derivation: TokenKeyDerivation,
  baseUrl: string,
  credentials: { username: string; password: string },
  scryptFn: ScryptFunction = scrypt,
): Promise<TokenKeys> {
  // JSON of an array: unambiguous whatever characters the fields hold.
  const material = JSON.stringify([baseUrl, credentials.username, credentials.password]);
  let derived: Buffer;
  if (derivation === 'process-local') derived = hmac512(PROCESS_SECRET, material);
  else if (derivation === 'scrypt') derived = await scrypt64(scryptFn, material);
  else derived = hmac512(derivation.hmacSecret, material);
  return { name: derived.subarray(0, 32).toString('hex'), macKey: derived.subarray(32) };
}

/**
 * The keys of each credential, derived once per credentials object (a rotated password is a new object, hence
 * a new key) by `derive`, which by default is one unbounded {@link deriveTokenKeys}: the module passes
 * `TokenKeyDeriver`'s bounded one (see `TokenKeyDeriver.keyring`). A failed derivation is tried again next
 * time.
 */
export function tokenKeyring(
  derivation: TokenKeyDerivation,
  baseUrl: string,
  derive: (credentials: { username: string; password: string }) => Promise<TokenKeys> = (
    credentials,
  ) => deriveTokenKeys(derivation, baseUrl, credentials),
): (credentials: { username: string; password: string }) => Promise<TokenKeys> {
  const keys = new WeakMap<object, Promise<TokenKeys>>();
  return (credentials) => {
    let key = keys.get(credentials);
    if (key === undefined) {
      key = derive(credentials);
      key.catch(() => keys.delete(credentials));
      keys.set(credentials, key);
    }
    return key;
  };
}

/** The store key alone (see {@link deriveTokenKeys}). */
export async function deriveTokenKey(
  derivation: TokenKeyDerivation,
  baseUrl: string,
  credentials: { username: string; password: string },
): Promise<string> {
  return (await deriveTokenKeys(derivation, baseUrl, credentials)).name;
}

/**
 * The MAC of a stored token: HMAC-SHA256 under the credential's MAC key over the store key, the lifetime and
 * the token, so that a value copied from another key (another company's token) or altered does not verify.
 * The lifetime is rounded as a store may keep whole milliseconds only.
 */
export function storedTokenMac(keys: TokenKeys, lifetimeMs: number, accessToken: string): string {
  return createHmac('sha256', keys.macKey)
    .update(JSON.stringify([keys.name, Math.round(lifetimeMs), accessToken]))
    .digest('hex');
}

/** Whether `mac` is the MAC of this token under `keys` (compared in constant time). */
export function verifyStoredTokenMac(
  keys: TokenKeys,
  lifetimeMs: number,
  accessToken: string,
  mac: string,
): boolean {
  const expected = Buffer.from(storedTokenMac(keys, lifetimeMs, accessToken), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Node's `crypto.scrypt` as this file calls it; `TokenKeyDeriver` takes another in tests (to count them). */
export type ScryptFunction = (
  material: string,
  salt: string,
  keylen: number,
  options: typeof SCRYPT,
  callback: (error: Error | null, key: Buffer) => void,
) => void;

function scrypt64(scryptFn: ScryptFunction, material: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    // The async form runs in libuv's thread pool: the event loop goes on serving meanwhile.
    scryptFn(material, SCRYPT_SALT, 64, SCRYPT, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  );
}

function hmac512(secret: string | Uint8Array, material: string): Buffer {
  return createHmac('sha512', secret).update(material).digest();
}
