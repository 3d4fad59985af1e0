import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { TokenState } from '../interfaces/token-state.interface.js';
import { DEFAULT_HEALTH_CHECK_TIMEOUT_MS } from '../sendfact-auth.constants.js';
import { SendfactAuthService } from '../sendfact-auth.service.js';
import type { SendfactHealthCheckOptions } from './sendfact-health-check-options.interface.js';
import type { SendfactHealthDetails } from './sendfact-health-details.interface.js';

const DEFAULT_KEY = 'sendfact';

/**
 * A `@nestjs/terminus` health indicator for the Sendfact token (terminus 11 and 12). It reads the token's
 * state and makes no network call, unless asked to (`requestToken`).
 *
 * - **up** while a usable token is held (failed background refreshes behind it are reported, not fatal),
 *   and while none is needed yet: no token requested so far, or the last one aged out with no failure since.
 * - **down** when no usable token is held and the last token request failed: a caller would now wait on a
 *   token request that has just been failing. `lastError` says why.
 *
 * It never throws: whatever the service reports (or fails to), the route answers up or down, never a 500.
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

  /** @internal Made by Nest from the providers of your module. */
  constructor(
    @Inject(SendfactAuthService) auth: SendfactAuthService,
    @Inject(HealthIndicatorService) health: HealthIndicatorService,
  ) {
    this.#auth = auth;
    this.#health = health;
  }

  /** The token's health under `key` (default `sendfact`): terminus's `status` and {@link SendfactHealthDetails}. */
  async isHealthy<const Key extends string = 'sendfact'>(
    key: Key = DEFAULT_KEY as Key,
    options: SendfactHealthCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const session = this.#health.check(key);
    let verdict: Verdict;
    try {
      verdict = await this.#verdict(options);
    } catch (error) {
      // Whatever went wrong in the check itself: say so on the route rather than fail it with a 500.
      verdict = { up: false, details: { accountId: options.accountId, message: messageOf(error) } };
    }
    return verdict.up ? session.up(verdict.details) : session.down(verdict.details);
  }

  async #verdict(options: SendfactHealthCheckOptions): Promise<Verdict> {
    const { accountId } = options;
    let state: TokenState;
    try {
      state = this.#auth.getTokenState(accountId);
    } catch (error) {
      // E.g. an unknown account: say so on the route rather than fail the whole check with a 500.
      return { up: false, details: { accountId, message: messageOf(error) } };
    }
    if (!state.usable && options.requestToken === true) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await this.#auth.getAccessToken(accountId, { signal });
      } catch (error) {
        const message = signal.aborted
          ? `no Sendfact token within ${timeoutMs} ms`
          : messageOf(error);
        return { up: false, details: { ...details(this.#auth.getTokenState(accountId)), message } };
      }
      state = this.#auth.getTokenState(accountId);
    }
    return { up: state.usable || state.consecutiveFailures === 0, details: details(state) };
  }
}

interface Verdict {
  up: boolean;
  details: Partial<SendfactHealthDetails>;
}

function details(state: TokenState): SendfactHealthDetails {
  const out: SendfactHealthDetails = {
    accountId: state.accountId,
    token: state.status,
    usable: state.usable,
    refreshing: state.refreshing,
    consecutiveFailures: state.consecutiveFailures,
  };
  const expiresAt = isoOf(state.expiresAt);
  if (expiresAt !== undefined) out.expiresAt = expiresAt;
  const refreshAt = isoOf(state.refreshAt);
  if (refreshAt !== undefined) out.refreshAt = refreshAt;
  if (state.lastError !== undefined) {
    const { name, message, at } = state.lastError;
    out.lastError = { name, message, at: isoOf(at) ?? '' };
  }
  return out;
}

/** ISO 8601, or `undefined` for a date that is not one (`toISOString` throws on `Invalid Date`). */
function isoOf(date: Date | undefined): string | undefined {
  return date instanceof Date && Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
