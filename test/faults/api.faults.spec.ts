import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { AxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultApp,
  INVOICE,
  SecretsWitness,
  outcome,
  startFaultApp,
  useWitness,
} from '../support/fault-harness.js';

const witness = new SecretsWitness();
let t: FaultApp | undefined;

async function start(): Promise<FaultApp> {
  t = await startFaultApp(witness);
  return t;
}

function sign(app: FaultApp) {
  return outcome(witness, firstValueFrom(app.http.post('/api/cpe/sign', INVOICE)));
}

function statusOf(result: Awaited<ReturnType<typeof sign>>): number | undefined {
  if (result.ok) return result.value.status;
  return result.error instanceof AxiosError ? result.error.response?.status : undefined;
}

useWitness(witness, async () => {
  await t?.close();
  t = undefined;
});

describe('API faults', () => {
  it('recovers from one 401 after the token was revoked with one token refresh and one replay', async () => {
    const app = await start();
    await app.auth.getAccessToken();
    app.standIn.revokeTokens();
    expect(statusOf(await sign(app))).toBe(200);
    expect(app.tokenRequests()).toBe(2);
    expect(app.auth.getStats().replays).toBe(1);
    expect(app.standIn.stats.unauthorized.revoked).toBe(1);
    expect(app.standIn.stats.apiRequests).toBe(2);
  });

  it('recovers from 50 concurrent 401s with one token request, all 50 replayed once and answered 200', async () => {
    const app = await start();
    await app.auth.getAccessToken();
    app.standIn.revokeTokens();
    const results = await Promise.all(Array.from({ length: 50 }, () => sign(app)));
    expect(results.map(statusOf)).toEqual(Array(50).fill(200));
    expect(app.tokenRequests()).toBe(2);
    expect(app.auth.getStats().replays).toBe(50);
    expect(app.standIn.stats.unauthorized.revoked).toBe(50);
    expect(app.standIn.stats.apiRequests).toBe(100);
  });

  it('hands a permanent 401 to the caller after exactly one replay, with one token refresh and no loop', async () => {
    const app = await start();
    await app.auth.getAccessToken();
    app.standIn.failNextApiRequests(10, { type: 'status', status: 401 });
    const result = await sign(app);
    expect(result.ok).toBe(false);
    expect(statusOf(result)).toBe(401);
    expect(app.standIn.stats.apiRequests).toBe(2);
    expect(app.tokenRequests()).toBe(2);
    expect(app.auth.getStats().replays).toBe(1);
    app.standIn.clearFaults();
    expect(statusOf(await sign(app))).toBe(200);
  });

  it('hands the caller a 401 whose inspect and JSON carry no token: header redacted, Node request kept but hidden', async () => {
    const app = await start();
    app.standIn.failNextApiRequests(2, { type: 'status', status: 401 });
    const result = await sign(app);
    const error = (result as { error: AxiosError }).error;
    const token = app.auth.peekAccessToken()!;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.config?.headers.get('Authorization')).toBe('Bearer [redacted]');
    expect(error.request).toBeDefined();
    expect(inspect(error)).not.toContain(token);
    expect(inspect(error, { depth: 8 })).not.toContain(token);
    expect(JSON.stringify(error)).not.toContain(token);
  });

  it('passes an API 500 to the caller unchanged, keeping the token, with no replay', async () => {
    const app = await start();
    const token = await app.auth.getAccessToken();
    app.standIn.failNextApiRequests(1, { type: 'status', status: 500 });
    const result = await sign(app);
    expect(statusOf(result)).toBe(500);
    expect(app.auth.peekAccessToken()).toBe(token);
    expect(app.auth.getStats().replays).toBe(0);
    expect(app.tokenRequests()).toBe(1);
  });

  describe('redirects', () => {
    let other: Server;
    let otherUrl: string;
    const seen: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      other = createServer((req, res) => {
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"elsewhere":true}');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

    it('does not let the Authorization header follow a redirect from the Sendfact origin to another origin', async () => {
      const app = await start();
      const path = '/api/cpe/20515809822-01-F001-9/status';
      app.standIn.redirect(path, `${otherUrl}/landing`);
      const result = await outcome(witness, firstValueFrom(app.http.get(path)));
      expect(result.ok).toBe(true);
      expect(seen).toHaveLength(1);
      expect(seen[0]!['authorization']).toBeUndefined();
      expect(app.standIn.log.find((e) => e.path === path)?.auth).toBe('ok');
    });

    it('keeps the Authorization header on a redirect within the Sendfact origin', async () => {
      const app = await start();
      const from = '/api/cpe/20515809822-01-F001-8/status';
      const to = '/api/cpe/20515809822-01-F001-7/status';
      app.standIn.redirect(from, `${app.standIn.url}${to}`);
      await outcome(witness, firstValueFrom(app.http.get(from)));
      // The target answers 404 (no such document) rather than 401: the token went along.
      expect(app.standIn.log.find((e) => e.path === to)?.auth).toBe('ok');
    });
  });

  it('hands the 401 of a request with a stream body to the caller without replaying it, and drops the token', async () => {
    const app = await start();
    const token = await app.auth.getAccessToken();
    app.standIn.revokeTokens();
    const body = Readable.from([Buffer.from(JSON.stringify(INVOICE))]);
    const result = await outcome(
      witness,
      firstValueFrom(
        app.http.post<unknown>('/api/cpe/sign', body, {
          headers: { 'Content-Type': 'application/json' },
        }),
      ),
    );
    expect(statusOf(result)).toBe(401);
    expect(app.standIn.stats.apiRequests).toBe(1);
    expect(app.auth.getStats().replays).toBe(0);
    expect(app.auth.peekAccessToken()).toBeUndefined();
    // The next request gets a new token and goes through.
    expect(statusOf(await sign(app))).toBe(200);
    expect(app.auth.peekAccessToken()).not.toBe(token);
    expect(app.tokenRequests()).toBe(2);
  });
});

describe('secrets, after every API fault above', () => {
  it('leaks neither the password nor any full token in log lines, errors (AxiosErrors included) or inspected options', () => {
    expect(witness.tokens.size).toBeGreaterThan(5);
    expect(witness.errors).toBeGreaterThanOrEqual(3);
    expect(witness.leaks()).toEqual([]);
  });
});
