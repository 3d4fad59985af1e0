import { createHmac, randomBytes, scrypt } from 'node:crypto';
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
 * interactive-login cost of the scrypt paper (16 MiB, some 50 ms of one core, once per account and process),
 * puts each offline guess of a username AND password at scrypt speed instead of hash speed (a million times
 * slower than SHA-256), while an app with thousands of tenants still starts in seconds.
 */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 32 * 1024 * 1024 } as const;
/** Fixed salt: every replica must derive the same key; the base URL in the material separates deployments. */
const SCRYPT_SALT = 'nestjs-sendfact-auth/token-key/v1';

/**
 * The store key of an account's token, bound to the whole credential (base URL, username AND password), so
 * that a token is only ever handed to an account with the credentials Sendfact accepted for it. The key
 * carries no username and no unkeyed hash of one: 32 bytes of HMAC-SHA256 or scrypt output, in hex.
 */
export async function deriveTokenKey(
  derivation: TokenKeyDerivation,
  baseUrl: string,
  credentials: { username: string; password: string },
): Promise<string> {
  // JSON of an array: unambiguous whatever characters the fields hold.
  const material = JSON.stringify([baseUrl, credentials.username, credentials.password]);
  if (derivation === 'process-local') return hmacHex(PROCESS_SECRET, material);
  if (derivation === 'scrypt') {
    const derived = await new Promise<Buffer>((resolve, reject) =>
      // The async form runs in libuv's thread pool: the event loop goes on serving meanwhile.
      scrypt(material, SCRYPT_SALT, 32, SCRYPT, (error, key) =>
        error === null ? resolve(key) : reject(error),
      ),
    );
    return derived.toString('hex');
  }
  return hmacHex(derivation.hmacSecret, material);
}

function hmacHex(secret: string | Uint8Array, material: string): string {
  return createHmac('sha256', secret).update(material).digest('hex');
}
