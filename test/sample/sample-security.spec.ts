/**
 * The sample's API has no authentication and `POST /invoices` issues a real invoice with the credentials in
 * `.env`: it must answer the developer (curl, scripts, its own origin) and no other web site, whether a
 * page posts to 127.0.0.1 across sites or turns its own name into 127.0.0.1 (DNS rebinding).
 */
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SENDFACT_AUTH_OPTIONS } from 'nestjs-sendfact-auth';
import { createSendfactTestingOptions } from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample/app.module.js';
import { curlLine } from './curl-line.js';
import { cleanEnv, exited, send, serve } from './sample-process.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('the sample, as npm start serves it on 127.0.0.1', () => {
  let sample: Awaited<ReturnType<typeof serve>>;
  let port: number;
  /** The Host curl and fetch send for the printed URL. */
  let here: string;

  beforeAll(async () => {
    const env = cleanEnv();
    delete env['HOST'];
    sample = await serve(env);
    port = Number(new URL(sample.base).port);
    here = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    sample.child.kill('SIGINT');
    await exited(sample.child);
  });

  /** Issues an invoice as the README does; resolves with its number. */
  async function issue(): Promise<number> {
    const { status, body } = await send(port, {
      method: 'POST',
      path: '/invoices',
      headers: { ...JSON_TYPE, host: here },
      body: '{}',
    });
    expect(status).toBe(201);
    return Number(/-(\d+)$/.exec((body as { fileName: string }).fileName)![1]);
  }

  /** Runs `attempts` between two invoices: numbered one after the other, nothing was issued in between. */
  async function issuesNothing(attempts: () => Promise<void>): Promise<void> {
    const before = await issue();
    await attempts();
    expect(await issue()).toBe(before + 1);
  }

  it('refuses a POST from another origin with 403, and issues no invoice', async () => {
    const origins = [
      'http://attacker.example', // a page on another site
      'null', // a sandboxed frame, a file: page
      `http://localhost:${port}`, // another origin than the Host's, though loopback too
      'http://127.0.0.1:1', // another server of this machine
      `https://${here}`, // another scheme
    ];
    await issuesNothing(async () => {
      for (const origin of origins) {
        for (const headers of [JSON_TYPE, { 'content-type': 'text/plain' }]) {
          const answer = await send(port, {
            method: 'POST',
            path: '/invoices',
            headers: { ...headers, host: here, origin },
            body: '{}',
          });
          expect({ origin, ...answer }).toMatchObject({
            origin,
            status: 403,
            body: {
              statusCode: 403,
              message: expect.stringMatching(/^Cross-origin request refused/),
            },
          });
        }
      }
    });
  });

  it('refuses a POST that is not JSON with 415, as a page may send one without a preflight', async () => {
    // No Origin, as curl: the content type alone is refused.
    const posts = [
      { headers: { 'content-type': 'text/plain' }, body: '{}' },
      { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: '{"series":"F002"}' },
      { headers: { 'content-type': 'text/plain; application/json' }, body: '{}' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'series=F002' },
      { headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: '--b--\r\n' },
      { headers: {}, body: '{}' }, // no content type
      { headers: {} }, // no content type and no body
    ];
    await issuesNothing(async () => {
      for (const { headers, body } of posts) {
        const answer = await send(port, {
          method: 'POST',
          path: '/invoices',
          headers: { ...headers, host: here },
          ...(body === undefined ? {} : { body }),
        });
        expect({ headers, ...answer }).toMatchObject({
          status: 415,
          body: { statusCode: 415, message: expect.stringMatching(/JSON only/) },
        });
      }
    });
  });

  it('refuses a foreign Host with 403 on every route, GET included, as a DNS-rebinding page sends its own', async () => {
    const hosts = [
      `rebind.example:${port}`,
      'rebind.example',
      `localhost.rebind.example:${port}`,
      `127.0.0.1.rebind.example:${port}`,
      `rebind.example@${here}`,
    ];
    await issuesNothing(async () => {
      for (const host of hosts) {
        const requests = [
          { path: '/token' },
          { path: '/health' },
          { path: '/invoices/20515809822-01-F001-1/status' },
          { path: '/no-such-route' },
          // The rebound page is same-origin with its own name: it may send JSON, with that Origin.
          {
            method: 'POST',
            path: '/invoices',
            headers: { ...JSON_TYPE, origin: `http://${host}` },
          },
        ];
        for (const { method, path, headers } of requests) {
          const answer = await send(port, {
            ...(method === undefined ? {} : { method, body: '{}' }),
            path,
            headers: { ...headers, host },
          });
          expect({ host, path, ...answer }).toMatchObject({
            status: 403,
            body: { statusCode: 403, message: expect.stringMatching(/^Host refused/) },
          });
          expect(JSON.stringify(answer.body)).not.toContain('fingerprint');
        }
      }
    });
  });

  it("answers the README's curl lines and the ones it prints", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const quickstart = readme.slice(
      readme.indexOf('## Quickstart'),
      readme.indexOf('\n## Install'),
    );
    const documented = [...quickstart.matchAll(/`(curl [^`]+)`/g)].map((m) => m[1]!);
    // Printed after it listens; the /health line is the last.
    await sample.printed(/curl \S+\/health\n/);
    const printed = [...sample.output().matchAll(/^\[sample\] +(curl .+)$/gm)].map((m) => m[1]!);
    expect(documented).toHaveLength(3);
    expect(printed).toHaveLength(4);
    for (const lines of [documented, printed]) {
      let fileName = '';
      for (const line of lines) {
        const request = curlLine(line.replace(/\s+/g, ' ').replace('<fileName>', fileName), port);
        const answer = await send(port, request);
        expect({ line, status: answer.status }).toEqual({
          line,
          status: request.method === 'POST' ? 201 : 200,
        });
        if (request.method === 'POST') ({ fileName } = answer.body as { fileName: string });
      }
      expect(fileName).toMatch(/^20515809822-01-F001-\d+$/);
    }
  });

  it('answers every loopback Host, on any port, and an Origin that is the Host itself', async () => {
    const hosts = [
      here,
      `localhost:${port}`,
      `LocalHost:${port}`,
      `127.1.2.3:${port}`,
      `[::1]:${port}`,
      'localhost:8080', // through a port forward (ssh -L 8080:127.0.0.1:<port>)
      'localhost', // port 80, forwarded too
    ];
    for (const host of hosts) {
      const read = await send(port, { path: '/token', headers: { host } });
      expect({ host, status: read.status }).toEqual({ host, status: 200 });
      const origin = `http://${host.toLowerCase()}`;
      const write = await send(port, {
        method: 'POST',
        path: '/invoices',
        headers: { ...JSON_TYPE, host, origin },
        body: '{"series":"F002"}',
      });
      expect({ host, origin, status: write.status }).toEqual({ host, origin, status: 201 });
    }
  });
});

describe('the sample started with a HOST other than a loopback name', () => {
  it.each([
    { host: 'devbox.lan', accepted: ['devbox.lan', 'DEVBOX.LAN:4000'] },
    { host: '0.0.0.0', accepted: ['0.0.0.0'] },
    { host: '::', accepted: ['[::]', '[0:0::0]'] },
  ])(
    'HOST=$host: answers a Host of $accepted, and of a loopback name',
    async ({ host, accepted }) => {
      const { app, port } = await startWithHost(host);
      try {
        for (const name of [...accepted, 'localhost', '127.0.0.1']) {
          const authority = /:\d+$/.test(name) ? name : `${name}:${port}`;
          const answer = await send(port, { path: '/token', headers: { host: authority } });
          expect({ authority, status: answer.status }).toEqual({ authority, status: 200 });
        }
        for (const name of ['devbox.lan.rebind.example', 'other.lan', '192.168.1.5', '[::2]']) {
          if (name === host) continue;
          const answer = await send(port, { path: '/token', headers: { host: `${name}:${port}` } });
          expect({ name, status: answer.status }).toEqual({ name, status: 403 });
        }
      } finally {
        await app.close();
      }
    },
  );
});

/** The sample's app as main.ts builds it for `host`, with a fixed token, on 127.0.0.1. */
async function startWithHost(host: string): Promise<{ app: INestApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ host })] })
    .overrideProvider(SENDFACT_AUTH_OPTIONS)
    .useValue(createSendfactTestingOptions())
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}
