import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import {
  SendfactAuthInterceptor,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSecret } from './find-secret.js';
import { type ForeignServer, startForeignServer } from './servers.js';

const ACME = { username: 'USER20100047218', password: 'acme-password' };
const STATUS = (ruc: string) => `/api/cpe/${ruc}-01-F001-1/status`;
const invoice = (ruc: string) => ({
  file_name: `${ruc}-01-F001-1`,
  file_content: Buffer.from('<?xml version="1.0"?><Invoice><ID>F001-1</ID></Invoice>').toString(
    'base64',
  ),
});

/** What the app's own interceptors saw of the headers, in requests and in what came back. */
interface Seen {
  authorization: string[];
  requests: unknown[];
}

/**
 * The interceptors an app adds: one writes down every `Authorization` it is shown, in requests, in
 * `response.config` and `error.config`, and keeps `response.request` (read through its getter); one moves
 * some requests elsewhere, by `baseURL` or by `url`, after the module could have signed them.
 */
function addAppInterceptors(instance: AxiosInstance, seen: Seen, foreign: () => string): void {
  const write = (headers: unknown) => {
    const value = (headers as { Authorization?: unknown } | undefined)?.Authorization;
    if (value !== undefined) seen.authorization.push(String(value));
  };
  instance.interceptors.request.use((config) => {
    write(config.headers);
    if (config.url === '/leave-by-base') config.baseURL = foreign();
    if (config.url === '/leave-by-url') config.url = `${foreign()}/by-url`;
    return config;
  });
  instance.interceptors.response.use(
    (response: AxiosResponse) => {
      write(response.config.headers);
      seen.requests.push(response.request);
      return response;
    },
    (error: { config?: { headers?: unknown }; response?: AxiosResponse }) => {
      write(error.config?.headers);
      if (error.response !== undefined) seen.requests.push(error.response.request);
      throw error;
    },
  );
}

describe('the token is attached at the last step, on every client', () => {
  let standIn: SendfactStandIn;
  let foreign: ForeignServer;
  let app: INestApplicationContext;
  let http: SendfactHttpService;
  let auth: SendfactAuthService;
  let attached: AxiosInstance;
  const seen = new Map<string, Seen>();
  const tokens = new Set<string>();

  /** The clients, each with the app's interceptors added before attach() where the app attaches. */
  const clients = () =>
    [
      ['the root client', http.axiosRef, {}, '20515809822'],
      ["forAccount('acme')", http.forAccount('acme').axiosRef, {}, '20100047218'],
      ['sendfactAccount per request', http.axiosRef, { sendfactAccount: 'acme' }, '20100047218'],
      ['an attach()ed instance', attached, {}, '20515809822'],
    ] as const;

  beforeAll(async () => {
    standIn = await startSendfactStandIn({ accounts: [STAND_IN_DEFAULT_ACCOUNT, ACME] });
    foreign = await startForeignServer();
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          ...STAND_IN_DEFAULT_ACCOUNT,
          baseUrl: standIn.url,
          accounts: { acme: ACME },
        }),
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    http = app.get(SendfactHttpService);
    auth = app.get(SendfactAuthService);
    // The app's interceptors: on the module's clients, added after the module attached its step (there is
    // no earlier moment); on its own instance, added before attach(), and more after.
    for (const [name, instance] of [
      ['root', http.axiosRef],
      ['acme', http.forAccount('acme').axiosRef],
    ] as const) {
      seen.set(name, { authorization: [], requests: [] });
      addAppInterceptors(instance, seen.get(name)!, () => foreign.url);
    }
    attached = axios.create({ baseURL: standIn.url });
    seen.set('attached', { authorization: [], requests: [] });
    addAppInterceptors(attached, seen.get('attached')!, () => foreign.url);
    app.get(SendfactAuthInterceptor).attach(attached);
    addAppInterceptors(attached, seen.get('attached')!, () => foreign.url);
  });
  afterAll(async () => {
    await app.close();
    await standIn.close();
    await foreign.close();
  });

  it('signs the final URL: a request moved elsewhere by an interceptor, by baseURL or by url, goes without a token', async () => {
    for (const [name, client, config] of clients()) {
      for (const url of ['/leave-by-base', '/leave-by-url']) {
        const response = await client.get(url, config as AxiosRequestConfig);
        expect([name, url, response.status]).toEqual([name, url, 200]);
      }
    }
    expect(foreign.seen.length).toBe(8);
    expect(foreign.seen.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  });

  it('shows no interceptor of the app a token: not in a request, not in response.config, not in response.request', async () => {
    for (const [name, client, config, ruc] of clients()) {
      const ok = await client.post('/api/cpe/sign', invoice(ruc), config as AxiosRequestConfig);
      expect([name, ok.status]).toEqual([name, 200]);
      // A 401 and its replay, inside the step: the interceptors see one request and one answer.
      standIn.revokeTokens();
      const replayed = await client.post(
        '/api/cpe/send',
        invoice(ruc),
        config as AxiosRequestConfig,
      );
      expect([name, replayed.status]).toEqual([name, 200]);
      // An error that comes back to the caller.
      await expect(
        client.get(`/api/cpe/${ruc}-01-F999-404/status`, config as AxiosRequestConfig),
      ).rejects.toMatchObject({ response: { status: 404 } });
      for (const token of [await auth.getAccessToken(), await auth.getAccessToken('acme')])
        tokens.add(token);
    }
    expect(standIn.stats.unauthorized.revoked).toBeGreaterThanOrEqual(4);
    const secrets = [...tokens, STAND_IN_DEFAULT_ACCOUNT.password, ACME.password];
    for (const [name, s] of seen) {
      expect([name, s.authorization.filter((a) => a !== 'Bearer [redacted]')]).toEqual([name, []]);
      expect([name, findSecret(s.requests, secrets)]).toEqual([name, []]);
      expect(s.requests.length).toBeGreaterThan(0);
    }
    // The requests did carry the token where it belongs.
    expect(
      standIn.log.filter((e) => e.path.startsWith('/api/cpe/')).every((e) => e.tokenSent),
    ).toBe(true);
  });

  it('takes no part in a request that brings its own adapter: it goes without a token, as docs/CONFIGURATION.md says', async () => {
    const response = await http.axiosRef.get(STATUS('20515809822'), {
      adapter: 'http',
      validateStatus: () => true,
    });
    expect(response.status).toBe(401);
    expect(standIn.log.at(-1)).toMatchObject({ tokenSent: false, auth: 'missing' });
  });
});
