import { Agent, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of a server, counting the requests it has in flight. */
export interface CountingProxy {
  /** Base URL to point the module at. */
  url: string;
  /** Requests that arrived and whose answer has not been received from the server yet. */
  readonly inFlight: number;
  /** The most requests in flight at any one time. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/**
 * Forwards every request to `target`. A request counts from its arrival here until the server's whole answer
 * is back, before it is passed on to the client: the count is never lower than what the server sees at once,
 * and the client cannot send its next request before the count has dropped.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const agent = new Agent({ keepAlive: true });
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          done();
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
        });
      },
    );
    upstream.on('error', () => {
      done();
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
