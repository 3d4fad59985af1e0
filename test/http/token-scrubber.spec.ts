import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { type AxiosResponse } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubToken } from '../../lib/http/token-scrubber.js';

const MARKER = 'marker-token-7d02be';

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Node's raw header block of a request: what went on the wire. */
const rawHeader = (request: unknown): string => Reflect.get(request as object, '_header') as string;

/** A real answer whose request still holds the token in Node's raw header block. */
async function answered(): Promise<AxiosResponse> {
  const response = await axios.get(url, {
    headers: { Authorization: `Bearer ${MARKER}` },
    maxRedirects: 0,
  });
  expect(rawHeader(response.request)).toContain(MARKER);
  return response;
}

describe('scrubToken', () => {
  it('hides the request behind a getter that redacts it before handing it out', async () => {
    const response = scrubToken(await answered(), MARKER);
    expect(Object.keys(response)).not.toContain('request');
    expect(rawHeader(response.request)).not.toContain(MARKER);
    expect(response.config.headers.Authorization).toBe('Bearer [redacted]');
  });

  it('redacts at once a request that is already not enumerable (hidden by axios, or by an earlier scrub)', async () => {
    const response = await answered();
    const request: unknown = response.request;
    Object.defineProperty(response, 'request', { enumerable: false });
    scrubToken(response, MARKER);
    expect(rawHeader(request)).not.toContain(MARKER);
  });
});
