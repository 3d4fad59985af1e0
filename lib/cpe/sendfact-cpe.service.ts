import { Inject, Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { parseRetryAfter } from '../client/retry-after.js';
import {
  SendfactApiError,
  SendfactAuthError,
  SendfactTokenRejectedError,
} from '../sendfact-auth.errors.js';
import { SendfactAuthService } from '../sendfact-auth.service.js';
import { SendfactHttpService, type SendfactRequestConfig } from '../sendfact-http.service.js';
import {
  type Parsed,
  parseErrorBody,
  parseSendResponse,
  parseSignResponse,
  parseStatusResponse,
} from './sendfact-cpe.parsers.js';
import type {
  SendfactDocumentRequest,
  SendfactSendResponse,
  SendfactSignResponse,
  SendfactStatusResponse,
} from './sendfact-cpe.types.js';

/**
 * Sendfact's document calls, typed: sign, send and status, as Promises. Each goes through
 * `SendfactHttpService` (tokens attached, refreshed, replayed once on a 401) for the account named, or the
 * default account when none is. A non-2xx answer, no answer, or an answer without the fields the call needs
 * rejects with a {@link SendfactApiError}; a token that could not be had rejects with the token error.
 *
 * The shapes come from observed behaviour of public integrations, not from an official Sendfact document.
 *
 * ```ts
 * const signed = await this.cpe.sign({ file_name, file_content: xmlBase64 }, 'acme');
 * const sent = await this.cpe.send({ file_name, file_content: signed.xml }, 'acme');
 * ```
 */
@Injectable()
export class SendfactCpeService {
  readonly #http: SendfactHttpService;
  readonly #auth: SendfactAuthService;

  /** @internal Made by Nest from the module's providers. */
  constructor(
    @Inject(SendfactHttpService) http: SendfactHttpService,
    @Inject(SendfactAuthService) auth: SendfactAuthService,
  ) {
    this.#http = http;
    this.#auth = auth;
  }

  /** `POST /api/cpe/sign`: Sendfact signs the XML and answers it signed, with its hash. */
  sign(document: SendfactDocumentRequest, accountId?: string): Promise<SendfactSignResponse> {
    return this.#post('/api/cpe/sign', document, parseSignResponse, accountId);
  }

  /** `POST /api/cpe/send`: Sendfact sends the signed XML to SUNAT and answers with SUNAT's receipt (CDR). */
  send(document: SendfactDocumentRequest, accountId?: string): Promise<SendfactSendResponse> {
    return this.#post('/api/cpe/send', document, parseSendResponse, accountId);
  }

  /** `GET /api/cpe/{file_name}/status`: where a sent document stands. */
  status(fileName: string, accountId?: string): Promise<SendfactStatusResponse> {
    const method = 'GET';
    if (typeof fileName !== 'string' || fileName === '' || fileName === '.' || fileName === '..') {
      return Promise.reject(
        new SendfactApiError({
          method,
          path: '/api/cpe/{file_name}/status',
          notSent: 'the file name must be a non-empty string',
          ...account(accountId),
        }),
      );
    }
    const path = `/api/cpe/${encodeURIComponent(fileName)}/status`;
    return this.#call(method, path, undefined, parseStatusResponse, accountId);
  }

  #post<T>(
    path: string,
    document: SendfactDocumentRequest,
    parse: (body: unknown) => Parsed<T>,
    accountId: string | undefined,
  ): Promise<T> {
    const fields = document as Partial<Record<keyof SendfactDocumentRequest, unknown>> | null;
    const wrong = (['file_name', 'file_content'] as const).find(
      (field) => typeof fields?.[field] !== 'string' || fields[field] === '',
    );
    if (wrong !== undefined) {
      const notSent = `${wrong} must be a non-empty string`;
      return Promise.reject(
        new SendfactApiError({ method: 'POST', path, notSent, ...account(accountId) }),
      );
    }
    return this.#call('POST', path, document, parse, accountId);
  }

  async #call<T>(
    method: 'GET' | 'POST',
    path: string,
    data: unknown,
    parse: (body: unknown) => Parsed<T>,
    accountId: string | undefined,
  ): Promise<T> {
    const config: SendfactRequestConfig = {
      method,
      url: path,
      data,
      // Every status comes back as a response (a 401 is still recovered by the interceptor): the error is
      // built here from the answer alone, and axios's error, which holds the request, is never kept.
      validateStatus: () => true,
      ...(accountId === undefined ? {} : { sendfactAccount: accountId }),
    };
    let response: AxiosResponse;
    try {
      response = await this.#http.axiosRef.request(config as never);
    } catch (error) {
      if (error instanceof SendfactAuthError) throw error;
      throw new SendfactApiError({ method, path, cause: error, ...account(accountId) });
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      const parsed = parse(response.data);
      if (parsed.ok) return parsed.value;
      throw new SendfactApiError({
        method,
        path,
        status,
        unreadable: parsed.problem,
        ...account(accountId),
      });
    }
    // Sent, refused, and the API refuses fresh tokens on every path tried: say so, rather than a plain 401.
    const refused = status === 401 ? this.#auth.refusedEverywhereFor(accountId) : undefined;
    if (refused !== undefined) throw new SendfactTokenRejectedError(refused, account(accountId));
    const body = parseErrorBody(response.data);
    const retryAfterMs = parseRetryAfter(response.headers?.['retry-after'], Date.now());
    throw new SendfactApiError({
      method,
      path,
      status,
      errors: body.errors,
      is_rejected: body.is_rejected,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...account(accountId),
    });
  }
}

function account(accountId: string | undefined): { accountId?: string } {
  return accountId === undefined ? {} : { accountId };
}
