import type { Clock } from './clock.interface.js';
import type { RefreshPolicy } from './refresh-policy.interface.js';
import type { TokenEngineEvent } from './token-engine-event.interface.js';
import type { TokenSource } from './token-source.interface.js';

// The vocabulary of lib/engine/token-cycle.ts: what it holds, what a caller asks it for, how it is made.

/** When a token obtained at `obtainedAt` (monotonic ms) and living `lifetimeMs` is refreshed and unusable. */
export interface TokenSchedule {
  expiresAt: number;
  /** From here a refresh runs behind the callers' backs, who still get the token. */
  refreshAt: number;
  /** From here the token is never handed out: its last `safetyMarginRatio` (at most `maxSafetyMarginMs`). */
  mustRefreshAt: number;
}

/** A token the cycle holds, with its schedule worked out once. */
export interface HeldToken extends TokenSchedule {
  readonly value: string;
  /** Resolved once: the hot path hands out this same promise. */
  readonly promise: Promise<string>;
  readonly obtainedAt: number;
  readonly lifetimeMs: number;
  /** When the token request that brought it was sent (monotonic ms). */
  readonly requestedAt: number;
  /** Taken from a shared store: another process (or account) asked the token endpoint for it. */
  readonly shared: boolean;
}

/** The smallest abort signal a caller may pass: an `AbortSignal`, or axios's `GenericAbortSignal`. */
export interface CallerSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Which token will do, after the API refused one. */
export interface Replacement {
  /** The refused token: anything but it. */
  readonly stale: string;
  /** Only a token the endpoint issued after `after` (monotonic ms) will do: one from a store was refused too. */
  readonly fromEndpoint: boolean;
  /** When `stale` was first refused. */
  readonly after: number;
}

/** Which token will do: any (the default), one after a refusal, or a new one whatever is held (`force`). */
export interface Want {
  readonly force?: boolean;
  readonly stale?: string | undefined;
  readonly fromEndpoint?: boolean;
  readonly after?: number;
}

export interface TokenCycleOptions {
  source: TokenSource;
  accountId: string;
  clock: Clock;
  policy?: RefreshPolicy;
  /** Refresh at the refresh point even when no caller asks, so that an idle app never waits. */
  proactiveRefresh?: boolean;
  onEvent?: (event: TokenEngineEvent) => void;
  /** A caller has to wait for a token request (for telemetry). */
  onWait?: () => void;
  /** Source of jitter; injectable for deterministic tests. */
  random?: () => number;
}
