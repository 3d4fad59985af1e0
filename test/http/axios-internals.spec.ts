import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import axios, { type AxiosResponse } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropRedirectAuthorization,
  finalResponseUrl,
  redactRequests,
  redirectOrigin,
  streamRequests,
} from '../../lib/http/axios-internals.js';
import { findSecret } from '../security/find-secret.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const MARKER = 'marker-token-4f1c9e';

const parse = (v: string) =>
  v.replace(/^\^/, '').split('.').map(Number) as [number, number, number];
const atLeast = (a: number[], b: number[]) =>
  a[0]! !== b[0]! ? a[0]! > b[0]! : a[1]! !== b[1]! ? a[1]! > b[1]! : a[2]! >= b[2]!;

/** Two loopback servers: `/go` on the first redirects to `/end` on the second. */
let first: Server;
let second: Server;
let firstUrl: string;
let secondUrl: string;
async function start(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
beforeAll(async () => {
  second = createServer((_req, res) => res.end('done'));
  secondUrl = await start(second);
  first = createServer((req, res) => {
    if (req.url === '/go') res.writeHead(302, { location: `${secondUrl}/end` }).end();
    else res.end('here');
  });
  firstUrl = await start(first);
});
afterAll(() => {
  first.closeAllConnections();
  second.closeAllConnections();
  first.close();
  second.close();
});

describe('what the package relies on beyond axios’s documented API', () => {
  it('runs on an axios inside the supported peer range, whose floor is 1.17.0', () => {
    const range: string = pkg.peerDependencies.axios;
    expect(range).toMatch(/^\^1\.\d+\.\d+$/);
    const floor = parse(range);
    expect(atLeast(floor, [1, 17, 0])).toBe(true); // see the commit raising it: proxy tunnelling
    const installed = parse(axios.VERSION);
    expect([axios.VERSION, installed[0] === floor[0] && atLeast(installed, floor)]).toEqual([
      axios.VERSION,
      true,
    ]);
  });

  it('beforeRedirect gets options naming the next origin, with the headers it will send', async () => {
    const seen: { origin: string; after: Record<string, unknown> }[] = [];
    await axios.get(`${firstUrl}/go`, {
      headers: { Authorization: `Bearer ${MARKER}` },
      beforeRedirect: (options) => {
        dropRedirectAuthorization(options);
        seen.push({
          origin: redirectOrigin(options),
          after: { ...(options['headers'] as object) },
        });
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.origin).toBe(secondUrl);
    expect(Object.keys(seen[0]!.after).map((k) => k.toLowerCase())).not.toContain('authorization');
  });

  it('the final URL of a redirected answer is at response.request.res.responseUrl', async () => {
    const redirected = await axios.get(`${firstUrl}/go`);
    expect(finalResponseUrl(redirected.request)).toBe(`${secondUrl}/end`);
    const direct = await axios.get(`${firstUrl}/here`);
    expect(finalResponseUrl(direct.request)).toBe(`${firstUrl}/here`);
  });

  it.each([
    ['through follow-redirects', {}],
    ['with maxRedirects: 0 (Node request only)', { maxRedirects: 0 }],
  ])(
    'redactRequests finds every copy of the header on a stream response, %s',
    async (_how, extra) => {
      const response: AxiosResponse = await axios.get(`${firstUrl}/here`, {
        headers: { Authorization: `Bearer ${MARKER}` },
        responseType: 'stream',
        ...extra,
      });
      expect(findSecret(response, [MARKER]).length).toBeGreaterThan(0); // the copies are there
      redactRequests([response.request, ...streamRequests(response.data)], MARKER);
      response.config.headers.set('Authorization', 'Bearer [redacted]');
      expect(findSecret(response, [MARKER])).toEqual([]);
      await finished((response.data as NodeJS.ReadableStream & { resume(): never }).resume());
    },
  );
});
