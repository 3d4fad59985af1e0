import { Readable } from 'node:stream';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { AxiosError } from 'axios';
import {
  SendfactAuthInterceptor,
  SendfactAuthModule,
  SendfactHttpService,
  type SendfactTokenEvent,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from '../support/app.js';
import { until } from '../support/fault-harness.js';

const RUC = '20515809822';
const invoice = (n: number) => ({
  file_name: `${RUC}-01-F001-${n}`,
  file_content: Buffer.from(`<?xml version="1.0"?><Invoice><ID>F001-${n}</ID></Invoice>`).toString(
    'base64',
  ),
});

let t: TestApp;
let other: SendfactStandIn; // another origin, which must never see the token

beforeAll(async () => {
  other = await startSendfactStandIn();
});
afterAll(() => other.close());
afterEach(async () => {
  await t?.close();
  other.resetStats();
});

const send = (n: number) => firstValueFrom(t.http.post('/api/cpe/send', invoice(n)));

describe('SendfactHttpService and the bearer interceptor', () => {
  it('attaches the bearer token to requests on the Sendfact base URL', async () => {
    t = await startTestApp();
    const { data, status } = await send(1);
    expect(status).toBe(200);
    expect(data.message).toBe('La Factura numero F001-1, ha sido aceptada');
    const status2 = await firstValueFrom(t.http.get(`/api/cpe/${RUC}-01-F001-1/status`));
    expect(status2.data).toMatchObject({ document_status: 1, is_rejected: false });
    expect(t.standIn.log.filter((e) => e.path.startsWith('/api/cpe') && e.auth !== 'ok')).toEqual(
      [],
    );
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });

  it('sends the token to absolute URLs on the Sendfact origin, and to no other origin', async () => {
    t = await startTestApp();
    await firstValueFrom(t.http.post(`${t.standIn.url}/api/cpe/send`, invoice(2)));
    expect(t.standIn.log.at(-1)).toMatchObject({ auth: 'ok' });

    const elsewhere = await firstValueFrom(
      t.http.get(`${other.url}/api/cpe/${RUC}-01-F001-2/status`, { validateStatus: () => true }),
    );
    expect(elsewhere.status).toBe(401);
    expect(other.log).toHaveLength(1);
    expect(other.log[0]).toMatchObject({ tokenSent: false, auth: 'missing' });
  });

  it('decides by origin: scheme, host and port must all match', async () => {
    t = await startTestApp();
    const interceptor = t.app.get(SendfactAuthInterceptor);
    const base = t.standIn.url; // http://127.0.0.1:<port>
    const port = Number(new URL(base).port);
    const cases: [Parameters<SendfactAuthInterceptor['isSendfactRequest']>[0], boolean][] = [
      [{ baseURL: base, url: '/api/cpe/send' }, true],
      [{ baseURL: `${base}/`, url: 'api/cpe/send' }, true],
      [{ url: `${base}/api/cpe/send` }, true],
      [{ baseURL: base, url: `http://127.0.0.1:${port + 1}/api/cpe/send` }, false],
      [{ baseURL: base, url: `https://127.0.0.1:${port}/api/cpe/send` }, false],
      [{ baseURL: base, url: `http://localhost:${port}/api/cpe/send` }, false],
      [{ baseURL: base, url: '//evil.example/api/cpe/send' }, false],
      [{ baseURL: 'https://evil.example', url: '/api/cpe/send' }, false],
      [{ url: '/api/cpe/send' }, false],
      // axios (>= 1.8.2) would send this under baseURL, but older ones sent it to evil.example: no token.
      [{ baseURL: base, url: 'https://evil.example/x', allowAbsoluteUrls: false }, false],
      [{ baseURL: base, url: `${base}/api/cpe/send`, allowAbsoluteUrls: false }, true],
    ];
    for (const [config, expected] of cases)
      expect([config, interceptor.isSendfactRequest(config)]).toEqual([config, expected]);
  });

  it('does not let the token follow a redirect to another origin', async () => {
    t = await startTestApp();
    t.standIn.redirect('/api/cpe/moved', `${other.url}/api/cpe/${RUC}-01-F001-9/status`);
    const res = await firstValueFrom(t.http.get('/api/cpe/moved', { validateStatus: () => true }));
    expect(res.status).toBe(401); // the other origin refused: it got no token
    expect(t.standIn.log.at(-1)).toMatchObject({ path: '/api/cpe/moved', auth: 'ok', status: 302 });
    expect(other.log).toEqual([expect.objectContaining({ tokenSent: false })]);
  });

  it('keeps the token on a redirect within the Sendfact origin', async () => {
    t = await startTestApp();
    await send(3);
    t.standIn.redirect('/api/cpe/moved', `${t.standIn.url}/api/cpe/${RUC}-01-F001-3/status`);
    const res = await firstValueFrom(t.http.get('/api/cpe/moved'));
    expect(res.data).toMatchObject({ document_status: 1 });
  });

  it('recovers a 401 after revocation with one token request and one replay', async () => {
    t = await startTestApp();
    const events: SendfactTokenEvent[] = [];
    t.auth.events$.subscribe((e) => events.push(e));
    await send(4);
    t.standIn.revokeTokens();
    const { status } = await send(5);
    expect(status).toBe(200);
    expect(t.standIn.stats.tokenRequests).toBe(2);
    expect(t.standIn.stats.unauthorized.revoked).toBe(1);
    expect(t.auth.getStats().replays).toBe(1);
    expect(events.filter((e) => e.type === 'request-replayed')).toHaveLength(1);
  });

  it("recovers a 401 even when the caller's validateStatus accepts it", async () => {
    t = await startTestApp();
    await send(40);
    t.standIn.revokeTokens();
    const res = await firstValueFrom(
      t.http.post('/api/cpe/send', invoice(41), { validateStatus: () => true }),
    );
    expect(res.status).toBe(200);
    expect(t.auth.getStats().replays).toBe(1);
  });

  it('answers 50 concurrent 401s with one token request and 50 replays', async () => {
    t = await startTestApp();
    await send(6);
    t.standIn.revokeTokens();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => send(100 + i)));
    expect(results.map((r) => r.status).filter((status) => status !== 200)).toEqual([]);
    expect(t.standIn.stats.unauthorized.revoked).toBe(50);
    expect(t.standIn.stats.tokenRequests).toBe(2);
    expect(t.auth.getStats().replays).toBe(50);
  });

  it('returns a permanent 401 to the caller after exactly one replay', async () => {
    t = await startTestApp();
    await send(7);
    t.standIn.failNextApiRequests(Infinity, { type: 'status', status: 401 });
    const before = t.standIn.stats.apiRequests;
    const error = await send(8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(401);
    expect(t.standIn.stats.apiRequests - before).toBe(2);
    expect(t.auth.getStats().replays).toBe(1);
  });

  it('does not replay a stream body (it is spent), but drops the stale token for the next call', async () => {
    t = await startTestApp();
    await send(9);
    t.standIn.revokeTokens();
    const body = Readable.from([Buffer.from(JSON.stringify(invoice(10)))]);
    const error = await firstValueFrom(
      t.http.post('/api/cpe/send', body, { headers: { 'content-type': 'application/json' } }),
    ).catch((e: unknown) => e);
    expect((error as AxiosError).response?.status).toBe(401);
    expect(t.auth.getStats().replays).toBe(0);
    expect(t.auth.peekAccessToken()).toBeUndefined();
    expect((await send(11)).status).toBe(200);
  });

  it('leaves 401s of requests it did not authenticate alone', async () => {
    t = await startTestApp();
    const res = await firstValueFrom(
      t.http.get(`${other.url}/api/cpe/x/status`, { validateStatus: () => true }),
    );
    expect(res.status).toBe(401);
    expect(t.standIn.stats.tokenRequests).toBe(0);
    expect(t.auth.getStats().replays).toBe(0);
  });

  it('uses an axios instance of its own: neither global axios nor the app HttpModule gets the token', async () => {
    const standIn = await startSendfactStandIn();
    const globalInterceptors = (axios.interceptors.request as unknown as { handlers: unknown[] })
      .handlers.length;
    @Module({
      imports: [
        HttpModule.register({ baseURL: standIn.url }),
        SendfactAuthModule.forRoot({ ...STAND_IN_DEFAULT_ACCOUNT, baseUrl: standIn.url }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const sendfact = app.get(SendfactHttpService);
    const plain = app.get(HttpService);
    expect(sendfact).not.toBe(plain);
    expect(sendfact.axiosRef).not.toBe(axios);
    expect(sendfact.axiosRef).not.toBe(plain.axiosRef);
    expect(sendfact.axiosRef.defaults.baseURL).toBe(standIn.url);
    await firstValueFrom(plain.get('/api/cpe/x/status', { validateStatus: () => true }));
    await axios.get(`${standIn.url}/api/cpe/x/status`, { validateStatus: () => true });
    expect(standIn.log.filter((e) => e.tokenSent)).toEqual([]);
    expect((axios.interceptors.request as unknown as { handlers: unknown[] }).handlers.length).toBe(
      globalInterceptors,
    );
    await app.close();
    await standIn.close();
  });

  it('attaches to an axios instance of your own, and detaches', async () => {
    t = await startTestApp();
    const mine = axios.create({ baseURL: t.standIn.url });
    const detach = t.app.get(SendfactAuthInterceptor).attach(mine);
    expect((await mine.post('/api/cpe/send', invoice(12))).status).toBe(200);
    expect(t.standIn.log.at(-1)).toMatchObject({ auth: 'ok' });
    detach();
    const after = await mine.post('/api/cpe/send', invoice(13), { validateStatus: () => true });
    expect(after.status).toBe(401);
    expect(t.standIn.log.at(-1)).toMatchObject({ tokenSent: false });
  });

  it('passes the request AbortSignal to the token wait', async () => {
    t = await startTestApp();
    t.standIn.failNextTokenRequests(1, { type: 'delay', ms: 1_500 });
    const controller = new AbortController();
    const pending = firstValueFrom(
      t.http.post('/api/cpe/send', invoice(14), { signal: controller.signal }),
    );
    // Aborted once the token request is at the stand-in, so surely while the caller waits for it.
    const app = t;
    await until(() => app.standIn.stats.tokenRequests === 1, 'the token request arrives');
    controller.abort();
    // The token is attached in the adapter step: axios answers a request aborted there as any aborted request.
    await expect(pending).rejects.toMatchObject({ name: 'CanceledError' });
    expect((await send(15)).status).toBe(200); // the shared token request went on
    expect(t.standIn.stats.tokenRequests).toBe(1);
  });
});
