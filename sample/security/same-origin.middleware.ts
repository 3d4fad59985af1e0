import { ForbiddenException, Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import { SecurityOptions } from './security.options.js';

/** A Host header as browsers send it: a name or an IP (IPv6 in brackets), then a port or not; no more. */
const AUTHORITY = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * `host[:port]` spelt one way (lowercase, IPs in their short form, no `:80`), as `hostname` and `host`
 * with its port; undefined when it is not a plain authority.
 */
function parseAuthority(authority: string): { hostname: string; host: string } | undefined {
  if (!AUTHORITY.test(authority)) return undefined;
  try {
    const { hostname, host } = new URL(`http://${authority}`);
    return { hostname, host };
  } catch {
    return undefined; // e.g. a port above 65535
  }
}

/** Names that always mean this machine, whatever a DNS server answers. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Answers only requests addressed to this machine by a page of this server, if by a page at all.
 *
 * Why: the sample's API has no authentication, and `POST /invoices` issues a real invoice when `.env` holds
 * Sendfact credentials. A page on any site the developer visits can send requests to 127.0.0.1:
 * - cross-site: its requests carry that site's `Origin`, which must be this server's own
 *   (`http://` + the Host of the request: same scheme, host and port), and `Origin: null` is refused;
 * - DNS rebinding: its name turns into 127.0.0.1, so the browser takes the sample for the page's own site
 *   and lets it read the answers (`GET /token` too) but still sends the page's name as `Host`. So the Host
 *   must be a loopback name (`localhost`, `127.0.0.0/8`, `[::1]`) or the HOST the sample was started with.
 *
 * The Host's port is not checked: a rebinding page sends its own name whatever the port, so the port adds
 * nothing, and port forwarding (`ssh -L 8080:127.0.0.1:3000`, `docker run -p 8080:3000`) makes a client of
 * this machine name another port than the one the sample listens on.
 * Clients with no Origin (curl, scripts) pass the Origin check: a browser sends one on every POST.
 */
@Injectable()
export class SameOriginMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  /** The HOST the sample listens on, spelt as a Host header's name (`[::1]` for `::1`). */
  readonly #listenHost: string | undefined;

  constructor(@Inject(SecurityOptions) { host }: SecurityOptions) {
    this.#listenHost = parseAuthority(isIPv6(host) ? `[${host}]` : host)?.hostname;
  }

  use(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    const target = parseAuthority(request.headers.host ?? '');
    if (!target || !(isLoopback(target.hostname) || target.hostname === this.#listenHost)) {
      throw new ForbiddenException(
        'Host refused: the sample answers localhost, 127.0.0.0/8, [::1] and the HOST it listens on only',
      );
    }
    const { origin } = request.headers;
    if (origin !== undefined && !isOrigin(origin, `http://${target.host}`)) {
      throw new ForbiddenException(
        'Cross-origin request refused: the Origin must be this server itself, as named by the Host',
      );
    }
    next();
  }
}

function isOrigin(origin: string, expected: string): boolean {
  try {
    return new URL(origin).origin === expected;
  } catch {
    return false; // `null` (sandboxed frames, file: pages) or garbage
  }
}
