import type { Clock } from '../engine/clock.js';
import type { RefreshPolicy } from '../engine/refresh-policy.js';
import type { TokenEngineEvent } from './token-engine-event.interface.js';
import type { TokenFetcher } from './token-grant.interface.js';

/** Options of a `TokenEngine`; only `fetcher` is required. */
export interface TokenEngineOptions {
  /** Obtains one token (the token request). */
  fetcher: TokenFetcher;
  /** The account, for events and errors. Default `default`. */
  accountId?: string;
  /** Default `systemClock`. */
  clock?: Clock;
  /** Default `DEFAULT_REFRESH_POLICY`. */
  policy?: RefreshPolicy;
  /** Source of jitter; injectable for deterministic tests. */
  random?: () => number;
  /** Called with each {@link TokenEngineEvent}, synchronously. */
  onEvent?: (event: TokenEngineEvent) => void;
  /** Refresh at the refresh-ahead point even when no caller asks, so an idle app never waits. */
  proactiveRefresh?: boolean;
  /** Called with the account id each time a caller has to wait for a token request (for telemetry). */
  onWait?: (accountId: string) => void;
}
