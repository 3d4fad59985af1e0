import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { AxiosError } from 'axios';
import type { Response } from 'express';
import { SendfactAuthError } from 'nestjs-sendfact-auth';

/**
 * Turns Sendfact's answers into this API's: a 4xx from Sendfact keeps its status and `errors` list; a
 * token or network failure becomes 502/503. Logs one line, never the whole error object.
 */
@Catch(AxiosError, SendfactAuthError)
export class SendfactErrorFilter implements ExceptionFilter {
  readonly #logger = new Logger('Invoices');

  catch(error: AxiosError | SendfactAuthError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof SendfactAuthError) {
      this.#logger.warn(`${error.name}: ${error.message}`);
      const status = error.retryable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_GATEWAY;
      res.status(status).json({ statusCode: status, message: error.message });
      return;
    }
    const upstream = error.response;
    const body = upstream?.data as { errors?: unknown; message?: unknown } | undefined;
    this.#logger.warn(
      `Sendfact answered ${upstream?.status ?? error.code} to ${error.config?.url}`,
    );
    const status =
      upstream !== undefined && upstream.status >= 400 && upstream.status < 500
        ? upstream.status
        : HttpStatus.BAD_GATEWAY;
    res.status(status).json({
      statusCode: status,
      message: body?.message ?? 'Sendfact error',
      errors: body?.errors ?? [],
    });
  }
}
