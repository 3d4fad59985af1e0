import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../support/redis-server.mjs';
import { redisStoreSuite } from './redis-store.suite.js';
import { threeTokenCalls } from './three-token-calls.js';

/** A certificate for 127.0.0.1, made for this run: its own CA. */
const pems = await generate([{ name: 'commonName', value: 'redis.test' }], {
  keySize: 2048,
  algorithm: 'sha256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
const TLS = { cert: pems.cert, key: pems.private };
const LOGIN = { username: 'USER20515809822', password: 'tls-Pw!' };

describe('Redis over TLS with the test CA', () => {
  // The store's whole test set over rediss://, trusting the certificate made above.
  redisStoreSuite({
    start: () => RedisServer.start({ tls: TLS }),
    store: { redisOptions: { tls: { ca: TLS.cert } } },
  });
});

describe('Redis over TLS with a certificate the client refuses', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({ tls: TLS });
  });
  afterAll(() => redis.stop());

  it('falls back to per-process tokens with one warning naming the certificate problem', async () => {
    // No CA given: the self-signed certificate is not trusted.
    const { lines, tokens, tokenRequests } = await threeTokenCalls({ url: redis.url }, LOGIN);
    expect(tokens.filter((t) => !t.startsWith('ey'))).toEqual([]);
    expect(tokenRequests).toBe(3);
    const warnings = lines.filter((l) => l.startsWith('warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /The token store failed \(cannot connect to Redis \(TLS: [A-Z_]+\)/,
    );
    expect(warnings[0]).toMatch(/certificate/);
  });

  it('never sends a command or a token in clear to a server that does not speak TLS', async () => {
    const received: Buffer[] = [];
    const sockets: Socket[] = [];
    const plain = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => received.push(chunk));
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const { port } = plain.address() as { port: number };
    const { tokens } = await threeTokenCalls(
      {
        url: `rediss://127.0.0.1:${port}`,
        redisOptions: { tls: { ca: TLS.cert }, connectTimeout: 500 },
      },
      LOGIN,
    );
    for (const socket of sockets) socket.destroy();
    plain.close();
    const bytes = Buffer.concat(received);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes[0]).toBe(0x16); // a TLS handshake record, not RESP
    for (const text of ['PTTL', 'MULTI', 'AUTH', ...tokens])
      expect(bytes.includes(text)).toBe(false);
  });
});
