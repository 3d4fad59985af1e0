import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTcpServer, connect } from 'node:net';
import selfsigned from 'selfsigned';

async function listen(server: { listen(port: number, host: string, cb: () => void): unknown }) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function tracked(server: Server | ReturnType<typeof createTcpServer>) {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** An origin that must never see a token: answers 200 to anything and keeps every request's headers. */
export interface ForeignServer {
  url: string;
  port: number;
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startForeignServer(): Promise<ForeignServer> {
  const seen: ForeignServer['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  const close = tracked(server);
  await listen(server);
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, seen, close };
}

/** A TCP relay in front of `target` that keeps every byte clients send through it. */
export interface TcpRecorder {
  port: number;
  bytes(): string;
  close(): Promise<void>;
}

export async function startTcpRecorder(targetPort: number): Promise<TcpRecorder> {
  const chunks: Buffer[] = [];
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const close = tracked(server);
  await listen(server);
  return {
    port: (server.address() as AddressInfo).port,
    bytes: () => Buffer.concat(chunks).toString('latin1'),
    close,
  };
}

/**
 * An HTTP proxy on loopback that tunnels `CONNECT` to 127.0.0.1 and answers 502 to anything else, keeping
 * every byte its clients send (the CONNECT lines, the tunnelled TLS, or a request sent to it in clear).
 */
export interface ConnectProxy {
  url: string;
  connects: string[];
  bytes(): string;
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const chunks: Buffer[] = [];
  const connects: string[] = [];
  const server = createServer((req, res) => {
    chunks.push(Buffer.from(`${req.method} ${req.url}\r\n${JSON.stringify(req.headers)}\r\n`));
    req.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    req.on('end', () => res.writeHead(502).end());
  });
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    chunks.push(Buffer.from(head));
    const port = Number(new URL(`http://${req.url}`).port);
    const upstream = connect(port, '127.0.0.1', () => {
      upstream.write(head);
      socket.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
      socket.pipe(upstream).pipe(socket);
      // The client speaks only once told the tunnel is up, so nothing goes by unrecorded.
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    });
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  const close = tracked(server);
  await listen(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    bytes: () => Buffer.concat(chunks).toString('latin1'),
    close,
  };
}

/** A self-signed certificate for 127.0.0.1, for the stand-in's TLS mode. */
export async function loopbackCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}
