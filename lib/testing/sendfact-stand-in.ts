import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { signJwt, verifyJwt } from './jwt.js';
import { type StandInReply, StandInDocuments, errorReply } from './stand-in-documents.js';

/** A login the stand-in accepts. */
export interface SendfactStandInAccount {
  username: string;
  password: string;
}

/** The account a stand-in accepts when none are configured: the example of Sendfact's own document. */
export const STAND_IN_DEFAULT_ACCOUNT: Readonly<SendfactStandInAccount> = Object.freeze({
  username: 'USER20515809822',
  password: 'stand-in-password',
});

/**
 * A misbehaviour of the next request(s), for tests:
 * - `status`: answer this status (and headers/body), e.g. 503 with `Retry-After`;
 * - `delay`: wait, then answer normally; `hang`: never answer (until the stand-in closes);
 * - `reset-before-headers` / `reset-after-headers`: drop the connection;
 * - `body`: answer 200 (or `status`) with this exact body, e.g. HTML, `{}`, 10 MB;
 * - `trickle`: send the normal answer one byte every `intervalMs`;
 * - `content-type`: send the normal answer under another `Content-Type`, e.g. `text/html`.
 */
export type SendfactStandInFault =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { type: 'delay'; ms: number }
  | { type: 'hang' }
  | { type: 'reset-before-headers' }
  | { type: 'reset-after-headers' }
  | { type: 'body'; body: string | Buffer; contentType?: string; status?: number }
  | { type: 'trickle'; intervalMs: number }
  | { type: 'content-type'; contentType: string };

/** Options of {@link startSendfactStandIn}. */
export interface SendfactStandInOptions {
  /** Loopback address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Logins accepted by `/api/auth/token`. Default: {@link STAND_IN_DEFAULT_ACCOUNT}. */
  accounts?: SendfactStandInAccount[];
  /** Token lifetime in seconds (fractions allowed). Default 120, like Sendfact. */
  tokenLifetimeSeconds?: number;
  /** How `expires_in` is written: a string like Sendfact (default), a number, or left out (JWT `exp` only). */
  expiresInFormat?: 'string' | 'number' | 'omit';
  /** Serve HTTPS with this key and certificate instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** How many requests `log` keeps (oldest dropped first). Default 10,000. */
  logLimit?: number;
}

/**
 * Why a request to a protected route was let through or refused: `refused` is a valid token on a route that
 * refuses every token ({@link SendfactStandIn.refuseTokensOn}).
 */
export type StandInAuthOutcome = 'ok' | 'missing' | 'malformed' | 'expired' | 'revoked' | 'refused';

/** One request the stand-in saw. */
export interface StandInLogEntry {
  method: string;
  path: string;
  /** Monotonic ms (`performance.now()`) of arrival. */
  at: number;
  /** Whether an `Authorization: Bearer` header came with it. */
  tokenSent: boolean;
  /** First 12 hex digits of the SHA-256 of the token sent, to tell tokens apart. */
  tokenFingerprint?: string;
  /** The account the token was issued to. */
  account?: string;
  /** For protected routes: the auth outcome. */
  auth?: StandInAuthOutcome;
  status: number;
}

/** What the stand-in has counted since it started ({@link SendfactStandIn.stats}). */
export interface StandInStats {
  /** Requests to `/api/auth/token`, faults included. */
  tokenRequests: number;
  /** Tokens handed out. */
  tokensIssued: number;
  /** Token requests refused for their credentials or body. */
  tokenRequestsRejected: number;
  /** Requests to any other route. */
  apiRequests: number;
  /** API requests refused with 401, by cause. */
  unauthorized: Record<Exclude<StandInAuthOutcome, 'ok'>, number>;
}

interface IssuedToken {
  account: string;
  /** Monotonic ms after which the token is refused. */
  expiresAt: number;
  seq: number;
}

/**
 * A local stand-in for the Sendfact API on loopback: real HTTP, real HS256 JWTs, counters and fault knobs.
 * Start it with {@link startSendfactStandIn}; point the module at `standIn.url`.
 */
export class SendfactStandIn {
  /** Base URL to give the module, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Token lifetime in seconds for tokens issued from now on. */
  tokenLifetimeSeconds: number;
  expiresInFormat: 'string' | 'number' | 'omit';
  readonly stats: StandInStats = emptyStats();
  /** The most recent requests, oldest first. */
  readonly log: StandInLogEntry[] = [];

  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #secret = randomBytes(32);
  readonly #accounts = new Map<string, string>();
  readonly #issued = new Map<string, IssuedToken>();
  readonly #documents = new StandInDocuments();
  readonly #tokenFaults: SendfactStandInFault[] = [];
  readonly #apiFaults: SendfactStandInFault[] = [];
  readonly #redirects = new Map<string, { location: string; status: number }>();
  readonly #refusing = new Set<string>();
  readonly #logLimit: number;
  #seq = 0;
  #revokedBelow = 0;

  /** @internal Use {@link startSendfactStandIn}. */
  constructor(server: Server, url: string, options: SendfactStandInOptions) {
    this.#server = server;
    this.url = url;
    this.port = Number(new URL(url).port);
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 120;
    this.expiresInFormat = options.expiresInFormat ?? 'string';
    this.#logLimit = options.logLimit ?? 10_000;
    for (const account of options.accounts ?? [STAND_IN_DEFAULT_ACCOUNT]) this.addAccount(account);
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
  }

  /** Accepts one more login at the token endpoint (or a new password for a known username). */
  addAccount(account: SendfactStandInAccount): void {
    this.#accounts.set(account.username, account.password);
  }

  /** Every token issued so far is refused from now on (`401`), as if Sendfact revoked them. */
  revokeTokens(): void {
    this.#revokedBelow = this.#seq + 1;
  }

  /** The next `count` token requests misbehave as `fault` (`Infinity` for all, until `clearFaults()`). */
  failNextTokenRequests(count: number, fault: SendfactStandInFault): void {
    for (let i = 0; i < Math.min(count, 10_000); i++) this.#tokenFaults.push(fault);
  }

  /** The next `count` API requests (any route but the token endpoint) misbehave as `fault`. */
  failNextApiRequests(count: number, fault: SendfactStandInFault): void {
    for (let i = 0; i < Math.min(count, 10_000); i++) this.#apiFaults.push(fault);
  }

  /** Forgets the faults still queued for token and API requests. */
  clearFaults(): void {
    this.#tokenFaults.length = 0;
    this.#apiFaults.length = 0;
  }

  /**
   * Requests whose path starts with `prefix` answer 401 whatever token they carry, as a route that refuses
   * every token does (another company's document, say): for tests of what such a route may cost.
   */
  refuseTokensOn(prefix: string): void {
    this.#refusing.add(prefix);
  }

  /** Requests to `path` (any method) get a redirect to `location`, after the token check. */
  redirect(path: string, location: string, status = 302): void {
    this.#redirects.set(path, { location, status });
  }

  /** Zeroes the counters and empties the log (tokens, accounts and faults stay). */
  resetStats(): void {
    Object.assign(this.stats, emptyStats());
    this.log.length = 0;
  }

  /** How the stand-in judges `token` now. */
  checkToken(token: string): { outcome: StandInAuthOutcome; account?: string } {
    const claims = verifyJwt(token, this.#secret);
    const jti = typeof claims?.['jti'] === 'string' ? claims['jti'] : undefined;
    const issued = jti === undefined ? undefined : this.#issued.get(jti);
    if (issued === undefined) return { outcome: 'malformed' };
    if (issued.seq < this.#revokedBelow) return { outcome: 'revoked', account: issued.account };
    if (performance.now() >= issued.expiresAt)
      return { outcome: 'expired', account: issued.account };
    return { outcome: 'ok', account: issued.account };
  }

  /** Stops listening and drops every open connection (hung requests included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      this.#server.closeAllConnections?.();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const entry: StandInLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      at: performance.now(),
      tokenSent: false,
      status: 0,
    };
    this.#record(entry);
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      entry.tokenSent = true;
      entry.tokenFingerprint = fingerprint(bearer);
    }
    const body = await readBody(req, 12 * 1024 * 1024);

    if (url.pathname === '/api/auth/token') {
      this.stats.tokenRequests++;
      const fault = this.#tokenFaults.shift();
      const reply = () => this.#issueToken(req, body);
      return this.#respond(res, entry, fault, reply);
    }

    this.stats.apiRequests++;
    const fault = this.#apiFaults.shift();
    const checked =
      bearer === undefined ? { outcome: 'missing' as const } : this.checkToken(bearer);
    const check =
      checked.outcome === 'ok' && this.#refuses(url.pathname)
        ? { ...checked, outcome: 'refused' as const }
        : checked;
    entry.auth = check.outcome;
    if (check.account !== undefined) entry.account = check.account;
    if (check.outcome !== 'ok') {
      this.stats.unauthorized[check.outcome]++;
      return this.#send(res, entry, {
        status: 401,
        body: { message: 'Unauthenticated.', status: 401 },
      });
    }
    const redirect = this.#redirects.get(url.pathname);
    if (redirect !== undefined && fault === undefined) {
      entry.status = redirect.status;
      res.writeHead(redirect.status, { location: redirect.location, 'content-length': 0 }).end();
      return;
    }
    const ruc = /^USER(\d{11})$/.exec(check.account ?? '')?.[1];
    return this.#respond(res, entry, fault, () =>
      this.#route(req.method ?? 'GET', url.pathname, body, ruc),
    );
  }

  #refuses(path: string): boolean {
    for (const prefix of this.#refusing) if (path.startsWith(prefix)) return true;
    return false;
  }

  #route(method: string, path: string, body: Buffer, ruc: string | undefined): StandInReply {
    const status = /^\/api\/cpe\/([^/]+)\/status$/.exec(path);
    if (method === 'GET' && status)
      return this.#documents.status(decodeURIComponent(status[1]!), ruc);
    if (method === 'POST' && (path === '/api/cpe/sign' || path === '/api/cpe/send')) {
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return errorReply(400, '0150 - El cuerpo de la solicitud no es JSON');
      }
      return path === '/api/cpe/sign'
        ? this.#documents.sign(json, ruc)
        : this.#documents.send(json, ruc);
    }
    return errorReply(404, '0404 - Ruta no encontrada');
  }

  #issueToken(req: IncomingMessage, body: Buffer): StandInReply {
    let login: { username?: unknown; password?: unknown } = {};
    try {
      login = JSON.parse(body.toString('utf8')) as typeof login;
    } catch {
      // An unreadable body is a bad request, like missing fields.
    }
    if (
      !/application\/json/i.test(req.headers['content-type'] ?? '') ||
      typeof login !== 'object' ||
      login === null
    ) {
      this.stats.tokenRequestsRejected++;
      return { status: 400, body: { message: 'The given data was invalid.' } };
    }
    const { username, password } = login;
    if (typeof username !== 'string' || typeof password !== 'string') {
      this.stats.tokenRequestsRejected++;
      return { status: 400, body: { message: 'username and password are required.' } };
    }
    if (this.#accounts.get(username) !== password) {
      this.stats.tokenRequestsRejected++;
      return { status: 401, body: { message: 'Credenciales incorrectas.' } };
    }
    const lifetime = this.tokenLifetimeSeconds;
    const seq = ++this.#seq;
    const jti = `${seq}.${randomBytes(6).toString('hex')}`;
    const iat = Math.floor(Date.now() / 1000);
    this.#issued.set(jti, {
      account: username,
      expiresAt: performance.now() + lifetime * 1000,
      seq,
    });
    if (this.#issued.size > 1000) this.#forgetExpired();
    this.stats.tokensIssued++;
    const accessToken = signJwt({ sub: username, iat, exp: iat + lifetime, jti }, this.#secret);
    const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'JWT' };
    if (this.expiresInFormat === 'string') answer['expires_in'] = String(lifetime);
    if (this.expiresInFormat === 'number') answer['expires_in'] = lifetime;
    return { status: 200, body: answer };
  }

  async #respond(
    res: ServerResponse,
    entry: StandInLogEntry,
    fault: SendfactStandInFault | undefined,
    reply: () => StandInReply,
  ): Promise<void> {
    if (fault === undefined) return this.#send(res, entry, reply());
    switch (fault.type) {
      case 'status':
        entry.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? JSON.stringify({ message: `stand-in fault ${fault.status}` }));
        return;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (res.destroyed) return;
        return this.#send(res, entry, reply());
      case 'hang':
        return;
      case 'reset-before-headers':
        res.socket?.destroy();
        return;
      case 'reset-after-headers':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 200 });
        res.write('{"access_token":"');
        res.flushHeaders();
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'body':
        entry.status = fault.status ?? 200;
        res.writeHead(entry.status, { 'content-type': fault.contentType ?? 'application/json' });
        res.end(fault.body);
        return;
      case 'trickle': {
        const { status, body } = reply();
        const bytes = Buffer.from(JSON.stringify(body));
        entry.status = status;
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': bytes.length,
        });
        for (const byte of bytes) {
          if (res.destroyed) return;
          res.write(Buffer.of(byte));
          await new Promise((resolve) => setTimeout(resolve, fault.intervalMs));
        }
        res.end();
        return;
      }
      case 'content-type':
        return this.#send(res, entry, reply(), fault.contentType);
    }
  }

  #send(
    res: ServerResponse,
    entry: StandInLogEntry,
    reply: StandInReply,
    contentType = 'application/json',
  ): void {
    entry.status = reply.status;
    const bytes = Buffer.from(JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      'content-type': contentType,
      'content-length': bytes.length,
    });
    res.end(bytes);
  }

  #record(entry: StandInLogEntry): void {
    if (this.log.length >= this.#logLimit) this.log.splice(0, this.log.length - this.#logLimit + 1);
    this.log.push(entry);
  }

  #forgetExpired(): void {
    const now = performance.now();
    for (const [jti, token] of this.#issued) if (now >= token.expiresAt) this.#issued.delete(jti);
  }
}

/** Starts a {@link SendfactStandIn} on loopback and resolves once it listens. */
export async function startSendfactStandIn(
  options: SendfactStandInOptions = {},
): Promise<SendfactStandIn> {
  const server = options.tls === undefined ? createServer() : createTlsServer(options.tls);
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls === undefined ? 'http' : 'https';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return new SendfactStandIn(server, `${scheme}://${hostPart}:${port}`, options);
}

function emptyStats(): StandInStats {
  return {
    tokenRequests: 0,
    tokensIssued: 0,
    tokenRequestsRejected: 0,
    apiRequests: 0,
    unauthorized: { missing: 0, malformed: 0, expired: 0, revoked: 0, refused: 0 },
  };
}

function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
    req.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
