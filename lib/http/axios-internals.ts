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
 * Replaces `token` in every copy of the request headers that Node, follow-redirects and fetch keep on the
 * given requests (a Node `ClientRequest`, follow-redirects' wrapper, a stream body's `req`, an HTTP/2 stream,
 * a fetch `Request`): the raw header block (`_header`), the outgoing header map, follow-redirects'
 * `_options.headers`, an HTTP/2 stream's sent headers, a `Request`'s `headers`, and the requests they link to.
 * Only called once the request is sent (an answer or an error came back), when nothing reads them any more.
 */
export function redactRequests(requests: readonly unknown[], token: string): void {
  const seen = new Set<object>();
  for (const request of requests) redactRequest(request, token, seen);
}

/**
 * What of a stream body keeps the headers sent: the request a Node `IncomingMessage` answers (`req`), or the
 * body itself when it is an HTTP/2 stream (`ClientHttp2Stream` is both the request and the response).
 */
export function streamRequests(data: unknown): unknown[] {
  if (
    data === null ||
    typeof data !== 'object' ||
    typeof (data as { pipe?: unknown }).pipe !== 'function'
  )
    return [];
  const req = (data as { req?: unknown }).req;
  return req === undefined ? [data] : [req, data];
}

function redactRequest(request: unknown, token: string, seen: Set<object>): void {
  if (request === null || typeof request !== 'object' || seen.has(request)) return;
  seen.add(request);
  const r = request as Record<string | symbol, unknown>;
  if (typeof r['_header'] === 'string' && r['_header'].includes(token))
    r['_header'] = r['_header'].replaceAll(token, REDACTED_TOKEN);
  redactHeaderObject((r['_options'] as { headers?: unknown } | undefined)?.headers, token);
  redactHeaderObject(symbolValue(r, 'kOutHeaders'), token);
  // HTTP/2: a ClientHttp2Stream keeps the headers it sent (also its public `sentHeaders`).
  redactHeaderObject(symbolValue(r, 'sent-headers'), token);
  redactFetchRequest(r, token);
  // follow-redirects: the redirectable request, the current native request, and the last response's request.
  redactRequest(r['_redirectable'], token, seen);
  redactRequest(r['_currentRequest'], token, seen);
  redactRequest((r['res'] as { req?: unknown } | undefined)?.req, token, seen);
}

/** Node's private symbols by description (`kOutHeaders`, `sent-headers`), each found once: the same for all. */
const SYMBOLS = new Map<string, symbol>();

/**
 * The value a request keeps under the Node symbol described `description`: the outgoing headers of an HTTP/1
 * request (`kOutHeaders`: `{ authorization: [name, value] }`), the headers an HTTP/2 stream sent.
 */
function symbolValue(r: Record<string | symbol, unknown>, description: string): unknown {
  const known = SYMBOLS.get(description);
  if (known !== undefined) return r[known];
  for (const symbol of Object.getOwnPropertySymbols(r)) {
    if (symbol.description === description) {
      SYMBOLS.set(description, symbol);
      return r[symbol];
    }
  }
  return undefined;
}

/** The fetch adapter's `Request`: its `headers` is a `Headers`, which may be set on a request made to send. */
function redactFetchRequest(r: Record<string | symbol, unknown>, token: string): void {
  const headers = r['headers'] as
    { get?: (name: string) => unknown; set?: (name: string, value: string) => void } | undefined;
  if (typeof headers?.get !== 'function' || typeof headers.set !== 'function') return;
  const value = headers.get('authorization');
  if (typeof value !== 'string' || !value.includes(token)) return;
  try {
    headers.set('authorization', value.replaceAll(token, REDACTED_TOKEN));
  } catch {
    // Headers of an immutable guard: nothing of ours to change there.
  }
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
