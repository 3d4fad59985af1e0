import { Agent } from 'node:https';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SendfactAuthModule,
  SendfactAuthService,
  SendfactHttpService,
  type SendfactAuthModuleOptions,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ConnectProxy, loopbackCertificate, startConnectProxy } from './servers.js';

const PROXY_VARIABLES = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
];
const RUC = '20515809822';
const invoice = {
  file_name: `${RUC}-01-F001-1`,
  file_content: Buffer.from('<?xml version="1.0"?><Invoice><ID>F001-1</ID></Invoice>').toString(
    'base64',
  ),
};

describe('behind an HTTP proxy (CONNECT) in front of Sendfact over TLS', () => {
  let standIn: SendfactStandIn;
  let ca: string;
  let proxy: ConnectProxy;
  let app: INestApplicationContext | undefined;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    const certificate = await loopbackCertificate();
    ca = certificate.cert;
    standIn = await startSendfactStandIn({ tls: certificate });
  });
  afterAll(() => standIn.close());
  beforeEach(async () => {
    for (const name of PROXY_VARIABLES) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    proxy = await startConnectProxy();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await proxy.close();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    standIn.resetStats();
  });

  async function boot(http: SendfactAuthModuleOptions['http']) {
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          ...STAND_IN_DEFAULT_ACCOUNT,
          baseUrl: standIn.url,
          http: { httpsAgent: new Agent({ ca }), ...http },
        }),
      ],
    })
    class ProxiedModule {}
    app = await NestFactory.createApplicationContext(ProxiedModule, { logger: false });
    return { auth: app.get(SendfactAuthService), http: app.get(SendfactHttpService) };
  }

  /** A token request, then API calls with the token, all of which must succeed. */
  async function useSendfact(auth: SendfactAuthService, http: SendfactHttpService) {
    const token = await auth.getAccessToken();
    const afterToken = proxy.connects.length;
    expect((await firstValueFrom(http.post('/api/cpe/send', invoice))).status).toBe(200);
    expect((await firstValueFrom(http.get(`/api/cpe/${RUC}-01-F001-1/status`))).status).toBe(200);
    expect(standIn.stats).toMatchObject({ tokenRequests: 1, apiRequests: 2 });
    return { token, afterToken };
  }

  function expectNothingInClear(token: string) {
    const bytes = proxy.bytes();
    expect(bytes.includes(STAND_IN_DEFAULT_ACCOUNT.password)).toBe(false);
    expect(bytes.includes(token)).toBe(false);
    expect(/authorization|password/i.test(bytes)).toBe(false);
  }

  it('from HTTPS_PROXY: tunnels the token request and the API calls; the proxy sees no secret', async () => {
    process.env['HTTPS_PROXY'] = proxy.url;
    const { auth, http } = await boot({});
    const { token, afterToken } = await useSendfact(auth, http);
    expect(afterToken).toBeGreaterThan(0); // the token request itself went through the proxy
    expect(proxy.connects.filter((c) => c !== `127.0.0.1:${standIn.port}`)).toEqual([]);
    expectNothingInClear(token);
  });

  it('from the http.proxy option: the token request takes the proxy too, tunnelled', async () => {
    const { auth, http } = await boot({
      proxy: { protocol: 'http', host: '127.0.0.1', port: Number(new URL(proxy.url).port) },
    });
    const { token, afterToken } = await useSendfact(auth, http);
    expect(afterToken).toBeGreaterThan(0);
    expectNothingInClear(token);
  });

  it('with http.proxy: false, neither token requests nor API calls go to the HTTPS_PROXY', async () => {
    process.env['HTTPS_PROXY'] = proxy.url;
    const { auth, http } = await boot({ proxy: false });
    await useSendfact(auth, http);
    expect(proxy.connects).toEqual([]);
    expect(proxy.bytes()).toBe('');
  });
});
