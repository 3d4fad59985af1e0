import { createServer } from 'node:net';
import { SendfactTokenRequestError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { SendfactTokenClient } from '../../lib/client/sendfact-token.client.js';

/** A loopback port nobody listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SendfactTokenClient network errors', () => {
  it('name the host and the path of the token endpoint, never the query, the body or userinfo', async () => {
    const port = await closedPort();
    const client = new SendfactTokenClient({
      baseUrl: `http://someone:userinfo-secret@127.0.0.1:${port}/sendfact?tenant=hidden-query`,
      timeoutMs: 5_000,
    });
    const error = await client
      .requestToken(
        { username: 'USER20515809822', password: 'body-password' },
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendfactTokenRequestError);
    const message = (error as Error).message;
    expect(message).toContain(`ECONNREFUSED 127.0.0.1:${port}/sendfact/api/auth/token`);
    expect(message).not.toMatch(/hidden-query|body-password|USER20515809822|userinfo-secret/);
  });
});
