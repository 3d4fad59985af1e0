import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { TokenState } from '../engine/token-engine.js';
import { SendfactAuthService } from '../sendfact-auth.service.js';
import type { SendfactHealthCheckOptions } from './sendfact-health-check-options.interface.js';
import type { SendfactHealthDetails } from './sendfact-health-details.interface.js';

const DEFAULT_KEY = 'sendfact';
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * A `@nestjs/terminus` health indicator for the Sendfact token (terminus 11 and 12). It reads the token's
 * state and makes no network call, unless asked to (`requestToken`).
 *
 * - **up** while a usable token is held (failed background refreshes behind it are reported, not fatal),
 *   and while none is needed yet: no token requested so far, or the last one aged out with no failure since.
 * - **down** when no usable token is held and the last token request failed: a caller would now wait on a
 *   token request that has just been failing. `lastError` says why.
 *
 * Provide it next to `TerminusModule` and call it from a `@HealthCheck()` route:
 *
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.sendfact.isHealthy('sendfact')]);
 * }
 * ```
 */
@Injectable()
export class SendfactHealthIndicator {
  readonly #auth: SendfactAuthService;
  readonly #health: HealthIndicatorService;

  constructor(auth: SendfactAuthService, health: HealthIndicatorService) {
    this.#auth = auth;
    this.#health = health;
  }

  /** The token's health under `key` (default `sendfact`): terminus's `status` and {@link SendfactHealthDetails}. */
  async isHealthy<const Key extends string = typeof DEFAULT_KEY>(
    key: Key = DEFAULT_KEY as Key,
    options: SendfactHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const session = this.#health.check(key);
    const { accountId } = options;
    let state: TokenState;
    try {
      state = this.#auth.getTokenState(accountId);
    } catch (error) {
      // E.g. an unknown account: say so on the route rather than fail the whole check with a 500.
      return session.down({ accountId, message: (error as Error).message });
    }
    if (!state.usable && options.requestToken === true) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await this.#auth.getAccessToken(accountId, { signal });
      } catch (error) {
        const message = signal.aborted
          ? `no Sendfact token within ${timeoutMs} ms`
          : (error as Error).message;
        return session.down({ ...details(this.#auth.getTokenState(accountId)), message });
      }
      state = this.#auth.getTokenState(accountId);
    }
    const healthy = state.usable || state.consecutiveFailures === 0;
    return healthy ? session.up(details(state)) : session.down(details(state));
  }
}

function details(state: TokenState): SendfactHealthDetails {
  const out: SendfactHealthDetails = {
    accountId: state.accountId,
    token: state.status,
    usable: state.usable,
    refreshing: state.refreshing,
    consecutiveFailures: state.consecutiveFailures,
  };
  if (state.expiresAt !== undefined) out.expiresAt = state.expiresAt.toISOString();
  if (state.refreshAt !== undefined) out.refreshAt = state.refreshAt.toISOString();
  if (state.lastError !== undefined) {
    const { name, message, at } = state.lastError;
    out.lastError = { name, message, at: at.toISOString() };
  }
  return out;
}
