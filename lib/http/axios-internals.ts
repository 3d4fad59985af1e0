/**
 * Everything the package relies on beyond axios's documented API, in one file: the shape of the options
 * follow-redirects passes to `beforeRedirect`, where the final URL of a redirected answer is kept, and the
 * Node and follow-redirects objects (reachable from what axios hands back) that keep a copy of the request
 * headers. Checked against the installed axios by test/http/axios-internals.spec.ts; the supported range is
 * the `axios` peer range of package.json.
 */

/** Where the token used to be, in header strings and header objects once the request is sent. */
const REDACTED_TOKEN = '[redacted]';

/** Scheme, host and port of `url` as the WHATWG URL parser reads it; `''` when it is not a URL. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * The origin follow-redirects is about to request, from the options it passes to `beforeRedirect`
 * (a `url.parse`-like object with `href`, or `protocol`/`host`/`hostname`/`port` alone).
 */
export function redirectOrigin(options: Record<string, unknown>): string {
  if (typeof options['href'] === 'string') return originOf(options['href']);
  const protocol = String(options['protocol'] ?? '');
  const host = String(options['host'] ?? options['hostname'] ?? '');
  const port =
    options['port'] === undefined || options['port'] === '' ? '' : `:${String(options['port'])}`;
  return originOf(`${protocol}//${host.includes(':') ? host : host + port}`);
}

/** Takes `Authorization` out of the headers follow-redirects will send on the next hop. */
export function dropRedirectAuthorization(options: Record<string, unknown>): void {
  const headers = options['headers'];
  if (headers === null || typeof headers !== 'object') return;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === 'authorization') delete (headers as Record<string, unknown>)[name];
  }
}

/** The URL that finally answered, after redirects (`response.request.res.responseUrl` in Node). */
export function finalResponseUrl(request: unknown): string | undefined {
  const url = (request as { res?: { responseUrl?: unknown } } | undefined)?.res?.responseUrl;
  return typeof url === 'string' ? url : undefined;
}

/** The origin of the URL that finally answered, or `undefined` when axios did not say. */
export function finalResponseOrigin(request: unknown): string | undefined {
  const url = finalResponseUrl(request);
  return url === undefined ? undefined : originOf(url);
}

/**
 * Replaces `token` in every copy of the request headers that Node and follow-redirects keep on the given
 * requests (a Node `ClientRequest`, follow-redirects' wrapper, or a stream body's `req`): the raw header block
 * (`_header`), the outgoing header map, follow-redirects' `_options.headers`, and the requests they link to.
 * Only called once the request is sent (an answer or an error came back), when nothing reads them any more.
 */
export function redactRequests(requests: readonly unknown[], token: string): void {
  const seen = new Set<object>();
  for (const request of requests) redactRequest(request, token, seen);
}

/** The request a stream body (Node's `IncomingMessage`) answers, which keeps the raw headers it sent. */
export function streamRequest(data: unknown): unknown {
  return data === null || typeof data !== 'object' ? undefined : (data as { req?: unknown }).req;
}

function redactRequest(request: unknown, token: string, seen: Set<object>): void {
  if (request === null || typeof request !== 'object' || seen.has(request)) return;
  seen.add(request);
  const r = request as Record<string | symbol, unknown>;
  if (typeof r['_header'] === 'string' && r['_header'].includes(token))
    r['_header'] = r['_header'].replaceAll(token, REDACTED_TOKEN);
  redactHeaderObject((r['_options'] as { headers?: unknown } | undefined)?.headers, token);
  redactHeaderObject(outgoingHeaders(r), token);
  // follow-redirects: the redirectable request, the current native request, and the last response's request.
  redactRequest(r['_redirectable'], token, seen);
  redactRequest(r['_currentRequest'], token, seen);
  redactRequest((r['res'] as { req?: unknown } | undefined)?.req, token, seen);
}

/** Node's `kOutHeaders` symbol, found once on the first request that has it (it is the same for all). */
let kOutHeaders: symbol | undefined;

/** Node keeps the outgoing headers under a symbol (`kOutHeaders`): `{ authorization: [name, value] }`. */
function outgoingHeaders(r: Record<string | symbol, unknown>): unknown {
  if (kOutHeaders !== undefined) return r[kOutHeaders];
  for (const symbol of Object.getOwnPropertySymbols(r)) {
    if (symbol.description === 'kOutHeaders') {
      kOutHeaders = symbol;
      return r[symbol];
    }
  }
  return undefined;
}

function redactHeaderObject(headers: unknown, token: string): void {
  if (headers === null || typeof headers !== 'object') return;
  const h = headers as Record<string, unknown>;
  for (const name of Object.keys(h)) {
    const value = h[name];
    if (typeof value === 'string' && value.includes(token)) {
      h[name] = value.replaceAll(token, REDACTED_TOKEN);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string' && item.includes(token))
          value[i] = item.replaceAll(token, REDACTED_TOKEN);
      }
    }
  }
}
