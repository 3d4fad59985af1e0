// The clients under test. Each one makes the same Sendfact call (a document status poll) its own way, over
// its own keep-alive agent, and counts the requests it had to send twice.
import https from 'node:https';

/** Sockets per client: the same cap for everyone, so a burst queues in the agent instead of opening 1,000. */
const MAX_SOCKETS = 64;

/**
 * @typedef {object} BenchTarget
 * @property {string} url   Base URL of the stand-in (https).
 * @property {string} ca    Its self-signed certificate.
 * @property {{ username: string, password: string }} credentials
 * @property {string} path  The API call every client makes.
 * @property {string} [fixedToken]  A long-lived token for the floor.
 */

/**
 * @typedef {object} BenchClient
 * @property {string} name
 * @property {() => Promise<unknown>} call  One Sendfact call; rejects on anything but a 2xx answer.
 * @property {() => number} replays  Requests re-sent after a 401 so far.
 * @property {() => Promise<void>} close
 * @property {object} [internals]  What the micro-benchmarks reach into (this module only).
 */

function agentFor(target) {
  return new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ca: target.ca });
}

/** Plain axios with a fixed, valid `Authorization` header: no token logic at all. */
async function floor(target) {
  const { default: axios } = await import('axios');
  const agent = agentFor(target);
  const http = axios.create({
    baseURL: target.url,
    httpsAgent: agent,
    headers: { Authorization: `Bearer ${target.fixedToken}` },
  });
  return {
    call: () => http.get(target.path),
    replays: () => 0,
    close: async () => agent.destroy(),
  };
}

/** `SendfactHttpService` from a real Nest application context, used as the README shows. */
async function sendfactModule(target, refresh) {
  await import('reflect-metadata');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { firstValueFrom } = await import('rxjs');
  const { SendfactAuthModule, SendfactAuthService, SendfactHttpService } =
    await import('nestjs-sendfact-auth');
  const agent = agentFor(target);
  // Decorators applied as functions: this file runs untranspiled. A Nest module class is empty.
  // oxlint-disable-next-line typescript/no-extraneous-class
  class BenchAppModule {}
  Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: target.url,
        ...target.credentials,
        http: { httpsAgent: agent },
        ...(refresh === undefined ? {} : { refresh }),
      }),
    ],
  })(BenchAppModule);
  const app = await NestFactory.createApplicationContext(BenchAppModule, {
    logger: false,
    abortOnError: false,
  });
  const http = app.get(SendfactHttpService);
  const auth = app.get(SendfactAuthService);
  return {
    call: () => firstValueFrom(http.get(target.path)),
    replays: () => auth.getStats().replays,
    close: async () => {
      await app.close();
      agent.destroy();
    },
    internals: { app, auth, http },
  };
}

/** What the PHP and Python integrations do: a token request, then the call with that token. */
async function tokenPerCall(target) {
  const { default: axios } = await import('axios');
  const agent = agentFor(target);
  const http = axios.create({ baseURL: target.url, httpsAgent: agent });
  return {
    async call() {
      const { data } = await http.post('/api/auth/token', target.credentials);
      return http.get(target.path, { headers: { Authorization: `Bearer ${data.access_token}` } });
    },
    replays: () => 0,
    close: async () => agent.destroy(),
  };
}

/** axios-auth-refresh at its defaults, wired as its README shows: the token is renewed after a 401. */
async function refreshOn401(target) {
  const { default: axios } = await import('axios');
  const { createAuthRefresh } = await import('axios-auth-refresh');
  const agent = agentFor(target);
  const api = axios.create({ baseURL: target.url, httpsAgent: agent });
  // The README refreshes with the bare axios; an instance of its own here, for the self-signed certificate.
  const tokenHttp = axios.create({ baseURL: target.url, httpsAgent: agent });
  let token = null;
  let replays = 0;
  api.interceptors.request.use((request) => {
    // The library marks the one retry of a request that got a 401.
    if (request.skipAuthRefresh === true) replays++;
    request.headers['Authorization'] = `Bearer ${token}`;
    return request;
  });
  createAuthRefresh(api, (failedRequest) =>
    tokenHttp.post('/api/auth/token', target.credentials).then((response) => {
      token = response.data.access_token;
      failedRequest.response.config.headers['Authorization'] = 'Bearer ' + token;
      return Promise.resolve();
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
async function azureCycler(target) {
  const azure = await import('@azure/core-rest-pipeline');
  const agent = agentFor(target);
  const httpClient = azure.createDefaultHttpClient();
  const credential = {
    async getToken(_scopes, options) {
      const request = azure.createPipelineRequest({
        url: `${target.url}/api/auth/token`,
        method: 'POST',
        body: JSON.stringify(target.credentials),
        abortSignal: options?.abortSignal,
      });
      request.agent = agent;
      request.headers.set('content-type', 'application/json');
      const response = await httpClient.sendRequest(request);
      if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
      const body = JSON.parse(response.bodyAsText);
      return {
        token: body.access_token,
        expiresOnTimestamp: Date.now() + Number(body.expires_in) * 1000,
      };
    },
  };
  const sent = new WeakSet();
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
      return JSON.parse(response.bodyAsText);
    },
    replays: () => replays,
    close: async () => agent.destroy(),
  };
}

/** Clients by key, in table order. `module` is the one the targets are checked against. */
export const CLIENTS = {
  floor: { name: 'floor (fixed header)', create: floor },
  module: { name: 'this module', create: (t) => sendfactModule(t) },
  // Steady state only: its cold start and memory are this module's.
  'module-r085': {
    name: 'this module, refreshAheadRatio 0.85',
    create: (t) => sendfactModule(t, { refreshAheadRatio: 0.85 }),
    steadyOnly: true,
  },
  'token-per-call': { name: 'token per call', create: tokenPerCall },
  'refresh-on-401': { name: 'refresh on 401 (axios-auth-refresh)', create: refreshOn401 },
  azure: { name: "Azure's token cycler", create: azureCycler },
};

/** Creates the client `key`; its `name` comes from {@link CLIENTS}. */
export async function createClient(key, target) {
  const client = await CLIENTS[key].create(target);
  return { key, name: CLIENTS[key].name, ...client };
}
