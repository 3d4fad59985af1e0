import { Injectable, type NestMiddleware, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Methods that carry no body and change nothing here; every other one must send JSON. */
const READS = new Set(['GET', 'HEAD']);

/**
 * Refuses a POST (any method but GET and HEAD) unless it says `Content-Type: application/json`.
 *
 * Why: a web page on another site may send a "simple" request without asking first (no CORS preflight):
 * a form, or fetch with `text/plain`, or a POST with no body and no content type. `application/json` is not
 * simple, so the browser has to ask this server first, and the sample answers no CORS preflight: a foreign
 * page can then not make the sample issue an invoice. SameOriginMiddleware checks the Origin as well; this
 * check holds even for a browser that sends none.
 */
@Injectable()
export class JsonOnlyMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    if (READS.has(request.method ?? '')) return next();
    // The media type without its parameters (`application/json; charset=utf-8` is JSON).
    const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new UnsupportedMediaTypeException(
        `The sample takes JSON only: send Content-Type: application/json (and a body such as {})`,
      );
    }
    next();
  }
}
