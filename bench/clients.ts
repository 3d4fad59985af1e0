// The clients under test. Each one makes the same Sendfact call (a document status poll) its own way, over
// its own keep-alive agent, and counts the requests it had to send twice. Each loads what it needs when it
// is created, so that a memory probe (one client alone in a process) holds that client's code and no other.
import https from 'node:https';
import type { INestApplicationContext } from '@nestjs/common';
import axios, { type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import type {
  SendfactAuthModuleOptions,
  SendfactAuthService,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import type { BenchTarget } from './stand-in.js';
import type { Caller } from './workload.js';

/** Sockets per client: the same cap for everyone, so a burst queues in the agent instead of opening 1,000. */
const MAX_SOCKETS = 64;

export interface BenchClient extends Caller {
  /** Requests re-sent after a 401 so far. */
  replays(): number;
  close(): Promise<void>;
}

export function agentFor(target: BenchTarget): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ca: target.ca });
}

/** A Nest application context with `SendfactAuthModule.forRoot(options)`, used as the README shows. */
export interface SendfactApp {
  app: INestApplicationContext;
  http: SendfactHttpService;
  auth: SendfactAuthService;
  close(): Promise<void>;
}

export async function startSendfactApp(
  target: BenchTarget,
  extra: Partial<SendfactAuthModuleOptions> = {},
): Promise<SendfactApp> {
  await import('reflect-metadata');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { SendfactAuthModule } = await import('nestjs-sendfact-auth');
  const agent = agentFor(target);
  // The module class is made per app (its options differ); the decorator is applied as a function.
  class BenchAppModule {}
  Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: target.url,
        ...target.credentials,
        http: { httpsAgent: agent },
        ...extra,
      }),
    ],
  })(BenchAppModule);
  const app = await NestFactory.createApplicationContext(BenchAppModule, {
    logger: false,
    abortOnError: false,
  });
  const { SendfactAuthService: Auth, SendfactHttpService: Http } =
    await import('nestjs-sendfact-auth');
  return {
    app,
    http: app.get(Http),
    auth: app.get(Auth),
    close: async () => {
      await app.close();
      agent.destroy();
    },
  };
}

/** An axios instance with a fixed, valid `Authorization` header: no token logic at all. */
export function fixedHeaderAxios(target: BenchTarget, agent: https.Agent) {
  return axios.create({
    baseURL: target.url,
    httpsAgent: agent,
    headers: { Authorization: `Bearer ${target.fixedToken}` },
  });
}

/** Plain axios with a fixed header: what no token logic can beat. */
async function floor(target: BenchTarget): Promise<BenchClient> {
  const agent = agentFor(target);
  const http = fixedHeaderAxios(target, agent);
  return {
    call: () => http.get(target.path),
    replays: () => 0,
    close: async () => agent.destroy(),
  };
}

/** `SendfactHttpService` called as `firstValueFrom(http.get(...))`. */
async function sendfactModule(
  target: BenchTarget,
  extra: Partial<SendfactAuthModuleOptions> = {},
): Promise<BenchClient> {
  const { firstValueFrom } = await import('rxjs');
  const { http, auth, close } = await startSendfactApp(target, extra);
  return {
    call: () => firstValueFrom(http.get(target.path)),
    replays: () => auth.getStats().replays,
    close,
  };
}

/** What the PHP and Python integrations do: a token request, then the call with that token. */
async function tokenPerCall(target: BenchTarget): Promise<BenchClient> {
  const agent = agentFor(target);
  const http = axios.create({ baseURL: target.url, httpsAgent: agent });
  return {
    async call() {
      const { data } = await http.post<{ access_token: string }>(
        '/api/auth/token',
        target.credentials,
      );
      return http.get(target.path, { headers: { Authorization: `Bearer ${data.access_token}` } });
    },
    replays: () => 0,
    close: async () => agent.destroy(),
  };
}

/** axios-auth-refresh at its defaults, wired as its README shows: the token is renewed after a 401. */
async function refreshOn401(target: BenchTarget): Promise<BenchClient> {
  const { createAuthRefresh } = await import('axios-auth-refresh');
  const agent = agentFor(target);
  const api = axios.create({ baseURL: target.url, httpsAgent: agent });
  // The README refreshes with the bare axios; an instance of its own here, for the self-signed certificate.
  const tokenHttp = axios.create({ baseURL: target.url, httpsAgent: agent });
  let token: string | null = null;
  let replays = 0;
  api.interceptors.request.use((request: InternalAxiosRequestConfig) => {
    // The library marks the one retry of a request that got a 401.
    if ((request as AxiosRequestConfig & { skipAuthRefresh?: boolean }).skipAuthRefresh === true)
      replays++;
    request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  });
  // Its typings name axios's CommonJS declarations: the same instance, typed twice.
  createAuthRefresh(api as unknown as Parameters<typeof createAuthRefresh>[0], (failedRequest) =>
    tokenHttp
      .post<{ access_token: string }>('/api/auth/token', target.credentials)
      .then((response) => {
        token = response.data.access_token;
        failedRequest.response.config.headers['Authorization'] = 'Bearer ' + token;
      }),
  );
  return {
    call: () => api.get(target.path),
    replays: () => replays,
    close: async () => agent.destroy(),
  };
}

/**
 * `@azure/core-rest-pipeline`'s `bearerTokenAuthenticationPolicy` (its token cycler at the only settings it
 * has) with a credential that calls the Sendfact token endpoint. An empty pipeline: no retry policy.
 */
async function azureCycler(target: BenchTarget): Promise<BenchClient> {
  const azure = await import('@azure/core-rest-pipeline');
  const agent = agentFor(target);
  const httpClient = azure.createDefaultHttpClient();
  const credential = {
    async getToken(_scopes: string | string[], options?: { abortSignal?: AbortSignal }) {
      const request = azure.createPipelineRequest({
        url: `${target.url}/api/auth/token`,
        method: 'POST',
        body: JSON.stringify(target.credentials),
        ...(options?.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
      });
      request.agent = agent;
      request.headers.set('content-type', 'application/json');
      const response = await httpClient.sendRequest(request);
      if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
      const body = JSON.parse(response.bodyAsText ?? '{}') as {
        access_token: string;
        expires_in: string;
      };
      return {
        token: body.access_token,
        expiresOnTimestamp: Date.now() + Number(body.expires_in) * 1000,
      };
    },
  };
  const sent = new WeakSet<object>();
  let replays = 0;
  const pipeline = azure.createEmptyPipeline();
  pipeline.addPolicy(azure.agentPolicy(agent));
  pipeline.addPolicy(azure.bearerTokenAuthenticationPolicy({ credential, scopes: 'sendfact' }));
  pipeline.addPolicy({
    name: 'benchReplayCounter',
    sendRequest(request, next) {
      if (sent.has(request)) replays++;
      else sent.add(request);
      return next(request);
    },
  });
  return {
    async call() {
      const request = azure.createPipelineRequest({ url: `${target.url}${target.path}` });
      const response = await pipeline.sendRequest(httpClient, request);
      if (response.status < 200 || response.status > 299)
        throw new Error(`API answered ${response.status}`);
      return JSON.parse(response.bodyAsText ?? 'null') as unknown;
    },
    replays: () => replays,
    close: async () => agent.destroy(),
  };
}

export interface ClientKind {
  name: string;
  create(target: BenchTarget): Promise<BenchClient>;
  /** Measured in the steady state only (its cold start and memory are another row's). */
  steadyOnly?: boolean;
}

/** The comparison with the usual alternatives, in table order. `module` is the one the targets are about. */
export const CLIENTS = {
  floor: { name: 'plain axios, fixed header', create: floor },
  module: {
    name: 'this module (SendfactHttpService)',
    create: (t: BenchTarget) => sendfactModule(t),
  },
  'module-r085': {
    name: 'this module, refreshAheadRatio 0.85',
    create: (t: BenchTarget) => sendfactModule(t, { refresh: { refreshAheadRatio: 0.85 } }),
    steadyOnly: true,
  },
  'token-per-call': { name: 'token per call', create: tokenPerCall },
  'refresh-on-401': { name: 'refresh on 401 (axios-auth-refresh)', create: refreshOn401 },
  azure: { name: "Azure's token cycler", create: azureCycler },
} satisfies Record<string, ClientKind>;

export type ClientKey = keyof typeof CLIENTS;
