import { Agent } from 'node:https';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios, { type AxiosRequestConfig } from 'axios';
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
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ForeignServer,
  type TcpRecorder,
  loopbackCertificate,
  startForeignServer,
  startTcpRecorder,
} from './servers.js';

const ACME = { username: 'USER20100047218', password: 'acme-password' };
const STATUS_PATH = '/api/cpe/20515809822-01-F001-1/status';

/** One way to reach Sendfact: a real stand-in, over http, or over TLS behind a relay that keeps every byte. */
interface World {
  /** The Sendfact base URL the module is given. */
  base: string;
  scheme: 'http' | 'https';
  port: number;
  standIn: SendfactStandIn;
  relay?: TcpRecorder;
  app: INestApplicationContext;
  clients: Client[];
  close(): Promise<void>;
}

interface Client {
  name: string;
  /** The Sendfact username whose token this client carries. */
  username: string;
  send(config: AxiosRequestConfig): Promise<unknown>;
}

/** Where a trick may lead; `foreign` tricks must arrive without a token. */
interface Trick {
  name: string;
  config(w: World, f: ForeignServer): AxiosRequestConfig;
}

const urlTricks: Trick[] = [
  { name: 'other port', config: (_, f) => ({ url: `${f.url}/t` }) },
  { name: 'other host', config: (_, f) => ({ url: `http://localhost:${f.port}/t` }) },
  {
    name: "other host name on Sendfact's port",
    config: (w) => ({ url: `${w.scheme}://localhost:${w.port}/x-foreign/host` }),
  },
  {
    name: 'userinfo that looks like Sendfact',
    config: (w, f) => ({ url: `${w.scheme}://127.0.0.1:${w.port}@127.0.0.1:${f.port}/t` }),
  },
  {
    name: 'userinfo over http',
    config: (w, f) => ({ url: `http://127.0.0.1:${w.port}@127.0.0.1:${f.port}/t` }),
  },
  { name: 'trailing dot', config: (_, f) => ({ url: `http://localhost.:${f.port}/t` }) },
  { name: 'upper case', config: (_, f) => ({ url: `HTTP://LOCALHOST:${f.port}/t` }) },
  { name: 'protocol-relative', config: (_, f) => ({ url: `//127.0.0.1:${f.port}/t` }) },
  {
    name: 'protocol-relative with backslashes',
    config: (_, f) => ({ url: `\\\\127.0.0.1:${f.port}/t` }),
  },
  {
    name: 'backslashes after the scheme',
    config: (_, f) => ({ url: `http:\\\\127.0.0.1:${f.port}\\t` }),
  },
  {
    name: 'backslashes in baseURL',
    config: (_, f) => ({ baseURL: `http:\\\\127.0.0.1:${f.port}`, url: '/t' }),
  },
  { name: 'per-request baseURL', config: (_, f) => ({ baseURL: f.url, url: '/t' }) },
  {
    name: 'per-request baseURL, other host',
    config: (_, f) => ({ baseURL: `http://localhost:${f.port}`, url: '/t' }),
  },
  { name: 'URL object', config: (_, f) => ({ url: new URL(`${f.url}/t`) as unknown as string }) },
  {
    name: 'scheme change on the Sendfact host and port',
    config: (w) => ({
      url: `${w.scheme === 'http' ? 'https' : 'http'}://127.0.0.1:${w.port}/x-foreign/scheme`,
    }),
  },
  {
    name: 'allowAbsoluteUrls:false with an absolute URL',
    config: (_, f) => ({ url: `${f.url}/t`, allowAbsoluteUrls: false }),
  },
  {
    name: 'allowAbsoluteUrls:false with a per-request baseURL',
    config: (_, f) => ({ baseURL: f.url, url: '/t', allowAbsoluteUrls: false }),
  },
];

const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;

/** Redirects from a signed Sendfact request; the stand-in answers them after checking the token. */
function redirectTricks(w: World, f: ForeignServer): Trick[] {
  const tricks: Trick[] = [];
  for (const status of REDIRECT_STATUSES) {
    const targets: [string, string][] = [
      ['another origin', `${f.url}/t`],
      ['another host name', `http://localhost:${f.port}/t`],
    ];
    if (w.scheme === 'https')
      targets.push([
        'https→http, same host and port',
        `http://127.0.0.1:${w.port}/x-foreign/downgrade`,
      ]);
    else
      targets.push([
        'http→https, same host and port',
        `https://127.0.0.1:${w.port}/x-foreign/upgrade`,
      ]);
    for (const [what, location] of targets) {
      const path = `/r/${status}/${encodeURIComponent(what)}`;
      w.standIn.redirect(path, location, status);
      tricks.push({
        name: `${status} to ${what}`,
        config: () => ({ url: path, method: 'post', data: { n: 1 } }),
      });
    }
  }
  return tricks;
}

async function boot(tls: boolean): Promise<World> {
  const certificate = tls ? await loopbackCertificate() : undefined;
  const standIn = await startSendfactStandIn({
    accounts: [STAND_IN_DEFAULT_ACCOUNT, ACME],
    ...(certificate === undefined ? {} : { tls: certificate }),
  });
  const relay = tls ? await startTcpRecorder(standIn.port) : undefined;
  const port = relay?.port ?? standIn.port;
  const scheme = tls ? 'https' : 'http';
  const base = `${scheme}://127.0.0.1:${port}`;
  const httpsAgent = certificate === undefined ? undefined : new Agent({ ca: certificate.cert });
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        ...STAND_IN_DEFAULT_ACCOUNT,
        baseUrl: base,
        accounts: { acme: ACME },
        http: httpsAgent === undefined ? {} : { httpsAgent },
      }),
    ],
  })
  class MatrixModule {}
  const app = await NestFactory.createApplicationContext(MatrixModule, { logger: false });
  const http = app.get(SendfactHttpService);
  const mine = axios.create({ baseURL: base, ...(httpsAgent === undefined ? {} : { httpsAgent }) });
  app.get(SendfactAuthInterceptor).attach(mine);
  const me = STAND_IN_DEFAULT_ACCOUNT.username;
  const clients: Client[] = [
    { name: 'SendfactHttpService', username: me, send: (c) => firstValueFrom(http.request(c)) },
    { name: 'SendfactHttpService.axiosRef', username: me, send: (c) => http.axiosRef.request(c) },
    {
      name: "forAccount('acme')",
      username: ACME.username,
      send: (c) => firstValueFrom(http.forAccount('acme').request(c)),
    },
    {
      name: "forAccount('acme').axiosRef",
      username: ACME.username,
      send: (c) => http.forAccount('acme').axiosRef.request(c),
    },
    { name: 'attach()ed instance', username: me, send: (c) => mine.request(c) },
    {
      name: "sendfactAccount: 'acme' per request",
      username: ACME.username,
      send: (c) => firstValueFrom(http.request({ ...c, sendfactAccount: 'acme' })),
    },
  ];
  return {
    base,
    scheme,
    port,
    standIn,
    ...(relay === undefined ? {} : { relay }),
    app,
    clients,
    async close() {
      await app.close();
      await relay?.close();
      await standIn.close();
    },
  };
}

describe.each([
  ['http', false],
  ['https', true],
])('where a token may go, Sendfact over %s', (_scheme, tls) => {
  let w: World;
  let foreign: ForeignServer;
  beforeAll(async () => {
    foreign = await startForeignServer();
    w = await boot(tls);
  });
  afterAll(async () => {
    await w.close();
    await foreign.close();
  });

  it('carries the token on every client to Sendfact, and on none to any other origin', async () => {
    const tricks = [...urlTricks, ...redirectTricks(w, foreign)];
    let tried = 0;
    for (const client of w.clients) {
      // A legitimate call first: the client does carry its account's token to Sendfact.
      await client.send({ url: STATUS_PATH, validateStatus: () => true });
      expect(w.standIn.log.at(-1)).toMatchObject({
        path: STATUS_PATH,
        auth: 'ok',
        account: client.username,
      });
      for (const trick of tricks) {
        await client
          .send({ ...trick.config(w, foreign), validateStatus: () => true })
          .catch(() => undefined);
        tried++;
      }
    }
    const tokens = [
      w.app.get(SendfactAuthService).peekAccessToken(),
      w.app.get(SendfactAuthService).peekAccessToken('acme'),
    ].filter((t): t is string => t !== undefined);
    expect(tokens).toHaveLength(2);

    // Every foreign landing: the other server, and the stand-in reached under another origin.
    const leaks = [
      // (userinfo in a URL becomes axios's own `Basic` header: the caller's, not a token.)
      ...foreign.seen.filter((s) => /bearer/i.test(s.headers.authorization ?? '')),
      ...w.standIn.log.filter((e) => e.path.startsWith('/x-foreign/') && e.tokenSent),
    ];
    expect(leaks).toEqual([]);
    expect(foreign.seen.length).toBeGreaterThan(0);
    const clear = w.relay?.bytes() ?? '';
    for (const token of tokens) expect(clear.includes(token)).toBe(false);
    expect(/authorization/i.test(clear)).toBe(false);
    expect(tried).toBe(w.clients.length * tricks.length);
    console.info(
      `${_scheme}: ${tricks.length} tricks × ${w.clients.length} clients = ${tried} requests, ` +
        `${foreign.seen.length} reached the foreign server, none with a token`,
    );
  });
});
