import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SendfactTokenEvent } from './interfaces/sendfact-token-event.interface.js';
import { SENDFACT_LOGGER_CONTEXT } from './sendfact-auth.constants.js';
import { quoted } from './errors/sendfact-auth.error.js';

/**
 * The module's log lines: a subscriber of the token events, plus the token store's health. Never logs a
 * token or a password (no event carries one). Failures that callers see are errors; those that the module
 * rides out (a retry is coming, or the held token still serves) are warnings.
 */
export class SendfactAuthLogger {
  readonly #logger = new Logger(SENDFACT_LOGGER_CONTEXT);
  readonly #defaultAccountId: string | undefined;

  constructor(defaultAccountId: string | undefined) {
    this.#defaultAccountId = defaultAccountId;
  }

  /** Logs each event of `events$` until it completes. */
  follow(events$: Observable<SendfactTokenEvent>): void {
    events$.subscribe((event) => this.#log(event));
  }

  storeHealth(healthy: boolean, reason: string | undefined): void {
    if (healthy) this.#logger.log('The token store answers again: tokens are shared again');
    else
      this.#logger.warn(
        `The token store failed (${reason}): each process gets its own tokens meanwhile`,
      );
  }

  /** A line said once at boot (a store that derives its keys the slow way, say). */
  warn(line: string): void {
    this.#logger.warn(line);
  }

  storeSlowAtStart(boundMs: number): void {
    this.#logger.warn(
      `The token store did not answer within ${boundMs} ms: each process gets its own tokens until it does`,
    );
  }

  #log(event: SendfactTokenEvent): void {
    const account =
      event.accountId === this.#defaultAccountId ? '' : ` for account ${quoted(event.accountId)}`;
    switch (event.type) {
      case 'token-refreshed':
        this.#logger.debug(
          `Token obtained${account}: lives ${Math.round(event.lifetimeMs / 1000)} s, took ${Math.round(event.durationMs)} ms` +
            (event.background ? ' (background refresh)' : ''),
        );
        break;
      case 'refresh-failed': {
        const next =
          event.retryInMs !== undefined ? `; retrying in ${Math.round(event.retryInMs)} ms` : '';
        const serving = event.servingCachedToken ? ' (still serving the valid token)' : '';
        const line = `Token request failed${account} (attempt ${event.attempt}): ${event.error.message}${next}${serving}`;
        if (event.servingCachedToken || event.retryInMs !== undefined) this.#logger.warn(line);
        else this.#logger.error(line);
        break;
      }
      case 'token-invalidated':
        this.#logger.debug(`Token dropped${account}; the next call gets a new one`);
        break;
      default:
        break;
    }
  }
}
