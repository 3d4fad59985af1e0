import type { TokenEngineEvent } from './token-engine-event.interface.js';
import type { TokenEngineStats } from './token-state.interface.js';

/**
 * Events of `SendfactAuthService.events$`. None carries a token or a password.
 * - `token-requested`: a token request is being sent (`attempt` counts retries, `background` when no caller waits).
 * - `token-refreshed`: a new token is held (`lifetimeMs`, `durationMs` from start of refresh to token in hand).
 * - `refresh-failed`: a token request failed; `retryInMs` when the module will retry on its own,
 *   `servingCachedToken` when callers still get a valid token meanwhile.
 * - `token-invalidated`: the held token was dropped (e.g. Sendfact answered 401 to it).
 * - `request-replayed`: an outbound request got 401, and was sent again once with a fresh token.
 */
export type SendfactTokenEvent = TokenEngineEvent | { type: 'request-replayed'; accountId: string };

/** Counters summed over all accounts, for your metrics. */
export interface SendfactAuthStats extends TokenEngineStats {
  /** Outbound requests sent again after a 401. */
  replays: number;
}
