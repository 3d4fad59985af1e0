import { Agent } from 'node:https';
import { type Http2SecureServer, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import { inspect } from 'node:util';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AxiosResponse } from 'axios';
import { SendfactAuthModule, SendfactHttpService } from 'nestjs-sendfact-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSecret } from './find-secret.js';
import { loopbackCertificate } from './servers.js';

const LOGIN = { username: 'USER20515809822', password: 'h2-distinctive-password' };

/**
 * Sendfact over HTTP/2 (axios's `httpVersion: 2`), on TLS with HTTP/1.1 allowed: the token endpoint answers
 * the module's HTTP/1.1 token request, the API its HTTP/2 calls. An HTTP/2 stream keeps the headers it sent
 * under `Symbol(sent-headers)`, and a stream body is the request itself.
 */
describe('no token on what an HTTP/2 call gives back', () => {
  let server: Http2SecureServer;
  let app: INestApplicationContext;
  let http: SendfactHttpService;
  const issued: string[] = [];
  const protocols = new Set<string>();

  beforeAll(async () => {
    const { key, cert } = await loopbackCertificate();
    server = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
      protocols.add(req.httpVersion);
      if (req.url === '/api/auth/token') {
        const token = `eyJh2.${Buffer.from(`token-${issued.length}`).toString('base64url')}.sig`;
        issued.push(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'JWT', expires_in: '120' }));
        return;
      }
      const sent = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const status =
        sent === undefined || !issued.includes(sent) ? 401 : req.url === '/api/ok' ? 200 : 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          ...LOGIN,
          baseUrl: base,
          http: { httpVersion: 2, http2Options: { ca: cert }, httpsAgent: new Agent({ ca: cert }) },
        }),
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    http = app.get(SendfactHttpService);
  });
  afterAll(async () => {
    await app.close();
    server.close();
  });

  /** Every way to the token a caller has: the object, its `request` getters, util.inspect at any depth. */
  function exposures(holder: unknown): string[] {
    const secrets = [...issued, LOGIN.password];
    const h = holder as { request?: unknown; response?: { request?: unknown } };
    return [
      ...findSecret(holder, secrets),
      ...findSecret(h.request, secrets).map((path) => `request ${path}`),
      ...findSecret(h.response?.request, secrets).map((path) => `response.request ${path}`),
      ...(secrets.some((s) => inspect(holder, { depth: Infinity }).includes(s)) ? ['inspect'] : []),
    ];
  }

  it.each(['json', 'stream'] as const)(
    'a %s answer: the token is in no symbol, header copy or getter',
    async (responseType) => {
      const response: AxiosResponse = await http.axiosRef.get('/api/ok', { responseType });
      expect(response.status).toBe(200);
      const stream = response.data as { resume?: () => NodeJS.ReadableStream };
      const before = exposures(response);
      if (typeof stream.resume === 'function') await finished(stream.resume());
      expect({ before, after: exposures(response) }).toEqual({ before: [], after: [] });
      // It was an HTTP/2 exchange, and the stream did send the token (now shown redacted).
      expect(protocols.has('2.0')).toBe(true);
      const sent = (response.request as { sentHeaders?: Record<string, unknown> }).sentHeaders;
      expect(sent?.['Authorization']).toBe('Bearer [redacted]');
    },
  );

  it.each(['json', 'stream'] as const)(
    'a failed %s call: the error holds no token',
    async (responseType) => {
      const error = await http.axiosRef
        .get('/api/missing', { responseType })
        .catch((e: unknown) => e);
      expect((error as { response?: { status?: number } }).response?.status).toBe(404);
      expect(exposures(error)).toEqual([]);
    },
  );
});
