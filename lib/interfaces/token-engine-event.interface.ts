import type { SendfactAuthError } from '../sendfact-auth.errors.js';

/** What the engine reports as it works. Times are milliseconds; no event carries a token. */
export type TokenEngineEvent =
  | { type: 'token-requested'; accountId: string; attempt: number; background: boolean }
  | {
      type: 'token-refreshed';
      accountId: string;
      lifetimeMs: number;
      /** From the start of the refresh to the token in hand, retries included. */
      durationMs: number;
      background: boolean;
      /** Taken from a shared token store rather than obtained by a token request of this process. */
      shared: boolean;
    }
  | {
      type: 'refresh-failed';
      accountId: string;
      error: SendfactAuthError;
      attempt: number;
      background: boolean;
      /** When the engine will try again on its own, if it will. */
      retryInMs?: number;
      /** Whether callers still get a valid token meanwhile. */
      servingCachedToken: boolean;
    }
  | { type: 'token-invalidated'; accountId: string };
