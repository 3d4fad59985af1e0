/**
 * Why `raw` cannot be the Sendfact base URL, or `undefined` when it can. Plain `http://` is allowed for a
 * loopback host, or anywhere with `allowInsecureHttp`.
 */
export function baseUrlProblem(raw: unknown, allowInsecureHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (typeof raw !== 'string' || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    return 'must be an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials in the URL';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    return (
      'uses plain http:// for a host that is not loopback; use https:// or set allowInsecureHttp ' +
      '(SENDFACT_ALLOW_INSECURE_HTTP=true) if you really mean it'
    );
  }
  return undefined;
}

/** The base URL as the module keeps it: parsed, without a trailing slash. */
export function normalizeBaseUrl(raw: string): string {
  return new URL(raw).href.replace(/\/+$/, '');
}

/**
 * `localhost`, `127.0.0.0/8` and `[::1]`, written literally: `hostname` as `URL` gives it, so the IPv4
 * shorthands (`127.1`, `0x7f.1`) are already in dotted form and `[0::1]` is `[::1]`. Names under
 * `.localhost` are not loopback here: Node's resolver sends them to DNS, which may answer anything.
 */
export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
