// The model-based test of the whole token cycle: random sequences of steps (callers, revocations, paths that
// always answer 401, token-endpoint faults, time passing, caller aborts, store faults, a second replica) drive
// the built package, and after every step every guarantee is checked at once:
//   (a) a call to a path that accepts valid tokens succeeds while Sendfact would accept a fresh token and the
//       token endpoint answers within the retry budget (a caller's own abort is not a failure), and a call
//       fails with a 401 only once it was sent;
//   (b) the tokens issued stay within the bound the token lifetime and the events allow;
//   (c) no request goes out with an expired token;
//   (d) no token reaches another origin, nor an interceptor of the app, on any client;
//   (e) after close(), no timer of the module is left and every call has settled;
//   (f) no unhandled rejection, ever: this file runs in a plain `node` process with no listener for them
//       (Node's default ends the process, as it would end a user's server), unless --shrink asks it to
//       catch them so that fast-check can shrink the sequence that made one;
//   (g) no error or answer a caller got holds a token or a password.
// Most sequences run on a manual clock with Sendfact answered in-process (model-world.mjs); a slice runs over
// real HTTP against the package's stand-in, with real 1.5 s tokens.
//
//   node test/model/token-cycle.model.mjs [--runs 200] [--http-runs 12] [--seed N] [--path P] [--shrink]
import 'reflect-metadata';
import { createServer } from 'node:http';
import { inspect, parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import axios from 'axios';
import fc from 'fast-check';
import {
  SENDFACT_TOKEN_FETCHER,
  SendfactAuthInterceptor,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactCpeService,
  SendfactHttpService,
} from 'nestjs-sendfact-auth';
import { startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { firstValueFrom } from 'rxjs';
import { ENDPOINT_FAULTS, ManualClock, ModelSendfact, ModelStore, settle } from './model-world.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    'http-runs': { type: 'string', default: '12' },
    seed: { type: 'string' },
    path: { type: 'string' },
    shrink: { type: 'boolean', default: false },
    only: { type: 'string' },
    // Invariants to leave unchecked (letters, e.g. `d`), to look past one failure for the next.
    skip: { type: 'string', default: '' },
    // The kinds of path calls go to (e.g. `ok` alone), to look for one kind of failure.
    paths: { type: 'string', default: 'ok,always401,foreign' },
  },
});
const checking = (letter) => !args.skip.includes(letter);

Logger.overrideLogger(false);
const silent = { log() {}, error() {}, warn() {}, debug() {}, verbose() {}, fatal() {} };

const ACCOUNTS = {
  acme: { username: 'USER20100070970', password: 'model-pw-acme' },
  beta: { username: 'USER20131312955', password: 'model-pw-beta' },
};
const ACCOUNT_IDS = Object.keys(ACCOUNTS);
/** Short delays, so that a sequence covers several refreshes, cooldowns and windows. */
const POLICY = {
  maxAttempts: 3,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 100,
  maxRetryAfterMs: 400,
  credentialsErrorCooldownMs: 300,
  tokenRejectedCooldownMs: 1_000,
};
/** After the token endpoint misbehaved, how long the module may still hold token requests back. */
const GRACE_MS = 1_500;

/** Every token-cycle failure found, as one line: thrown so that fast-check shrinks the sequence. */
class Violation extends Error {
  name = 'Violation';
}

// ---------------------------------------------------------------------------------------------------------
// The worlds: in-process on a manual clock, and real HTTP against the stand-in.

const FAKE = {
  origin: 'https://demo-api.sendfact.model',
  foreign: 'https://elsewhere.model',
  lifetimeMs: 4_000,
  timeoutMs: 500,
};

async function fakeWorld(setup) {
  const clock = new ManualClock();
  const sendfact = new ModelSendfact(clock, {
    origin: FAKE.origin,
    lifetimeMs: FAKE.lifetimeMs,
    timeoutMs: FAKE.timeoutMs,
    accounts: Object.values(ACCOUNTS),
  });
  const store = setup.store ? new ModelStore(clock) : undefined;
  const world = {
    kind: 'fake',
    setup,
    clock,
    sendfact,
    store,
    origin: FAKE.origin,
    foreign: FAKE.foreign,
    lifetimeMs: FAKE.lifetimeMs,
    now: () => clock.now(),
    tokensIssued: () => sendfact.tokensIssued,
    faultsAt: (from, to) =>
      sendfact.tokenRequests.some((r) => r.fault && r.at >= from && r.at <= to),
    expiredSent: () => sendfact.expiredSent,
    foreignWithToken: () => sendfact.foreignWithToken,
    sent: (id) => sendfact.seen.has(id),
    isToken: (text) => /model\.\d+\.USER\d+/.test(text),
    revoke: () => sendfact.revoke(),
    fault: (fault, count) => sendfact.queueFaults(fault, count),
    clearFaults: () => sendfact.clearFaults(),
    passTime: (ms) => clock.advance(ms),
    adapter: sendfact.adapter,
    replicas: [],
    spied: [],
    used: new Map(),
    charged: new Map(),
    cpeCalls: 0,
    calls: 0,
    allowance: 0,
  };
  for (let i = 0; i < setup.replicas; i++)
    world.replicas.push(
      await startReplica(world, { clock, fetcher: sendfact.fetcher, timeoutMs: FAKE.timeoutMs }),
    );
  return world;
}

const HTTP = { lifetimeSeconds: 1.5 };

async function httpWorld(setup) {
  const standIn = await startSendfactStandIn({
    accounts: Object.values(ACCOUNTS),
    tokenLifetimeSeconds: HTTP.lifetimeSeconds,
  });
  standIn.refuseTokensOn('/always401');
  standIn.refuseTokensOn('/api/cpe/always401');
  // Another origin: a second server on another port, answering 200 to anything.
  const elsewhere = createServer((req, res) => res.writeHead(200).end('{}'));
  await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const foreign = `http://127.0.0.1:${elsewhere.address().port}`;
  const realClock = { now: () => performance.now() };
  const store = setup.store ? new ModelStore(realClock) : undefined;
  const expired = [];
  const foreignWithToken = [];
  const issuedBy = new Set();
  const httpAdapter = axios.getAdapter('http');
  // The wire: what goes out, checked at the moment it goes (the stand-in's own judgement of the token).
  const adapter = (config) => {
    const bearer = /^Bearer (.+)$/.exec(String(config.headers?.get?.('Authorization') ?? ''))?.[1];
    const url = new URL(axios.getUri(config));
    const callId = config.headers?.get?.('x-call-id');
    if (callId) world.sentIds.add(String(callId));
    if (bearer !== undefined) {
      if (url.origin !== standIn.url) foreignWithToken.push(url.href);
      else if (standIn.checkToken(bearer).outcome === 'expired') expired.push(url.pathname);
      issuedBy.add(bearer);
    }
    return httpAdapter(config);
  };
  const world = {
    kind: 'http',
    setup,
    standIn,
    store,
    origin: standIn.url,
    foreign,
    lifetimeMs: HTTP.lifetimeSeconds * 1000,
    now: () => performance.now(),
    tokensIssued: () => standIn.stats.tokensIssued,
    // The token requests a fault answered: the first ones after each batch was queued, until it was cleared.
    faultsAt: (from, to) => {
      const requests = standIn.log.filter((e) => e.path === '/api/auth/token').map((e) => e.at);
      let next = 0;
      for (const batch of world.faultBatches) {
        while (next < requests.length && requests[next] < batch.at) next++;
        for (let i = 0; i < batch.count && next < requests.length; i++, next++) {
          const at = requests[next];
          if (at >= batch.clearedAt) break;
          if (at >= from && at <= to) return true;
        }
      }
      return false;
    },
    faultBatches: [],
    expiredSent: () => expired,
    foreignWithToken: () => foreignWithToken,
    sent: (id) => world.sentIds.has(id),
    sentIds: new Set(),
    isToken: (text) => [...issuedBy].some((token) => text.includes(token)),
    revoke: () => standIn.revokeTokens(),
    fault: (fault, count) => {
      world.faultBatches.push({ at: performance.now(), count, clearedAt: Infinity });
      standIn.failNextTokenRequests(count, standInFault(fault));
    },
    clearFaults: () => {
      for (const batch of world.faultBatches)
        batch.clearedAt = Math.min(batch.clearedAt, performance.now());
      standIn.clearFaults();
    },
    passTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    adapter,
    replicas: [],
    spied: [],
    used: new Map(),
    charged: new Map(),
    cpeCalls: 0,
    calls: 0,
    allowance: 0,
    async closeServers() {
      await standIn.close();
      await new Promise((resolve) => elsewhere.close(resolve));
      elsewhere.closeAllConnections();
    },
  };
  for (let i = 0; i < setup.replicas; i++)
    world.replicas.push(await startReplica(world, { timeoutMs: 3_000 }));
  return world;
}

function standInFault(fault) {
  switch (fault) {
    case '503':
      return { type: 'status', status: 503 };
    case '429':
      return { type: 'status', status: 429, headers: { 'retry-after': '0' } };
    case 'hang':
      return { type: 'reset-before-headers' };
    case 'refuse':
      return { type: 'status', status: 401 };
    default:
      return { type: 'body', body: '<html>maintenance</html>', contentType: 'text/html' };
  }
}

/** One replica: the module registered in a Nest application, with its four kinds of client. */
async function startReplica(world, { clock, fetcher, timeoutMs }) {
  const builder = Test.createTestingModule({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: world.origin,
        allowInsecureHttp: true,
        accounts: ACCOUNTS,
        defaultAccount: 'acme',
        timeoutMs,
        refresh: POLICY,
        proactiveRefresh: world.setup.proactive,
        http: { adapter: world.adapter },
        telemetry: { enabled: world.setup.telemetry ?? true },
        ...(clock === undefined ? {} : { clock }),
        ...(world.store === undefined ? {} : { tokenStore: world.store, tokenStoreTimeoutMs: 50 }),
      }),
    ],
  });
  builder.setLogger(silent);
  if (fetcher !== undefined) builder.overrideProvider(SENDFACT_TOKEN_FETCHER).useValue(fetcher);
  const app = await builder.compile();
  await app.init();
  const http = app.get(SendfactHttpService);
  const spy = spying(world);
  // The app's own interceptors on the root client, added after the module attached its own.
  http.axiosRef.interceptors.request.use(spy.request);
  http.axiosRef.interceptors.response.use(spy.response, spy.error);
  // An instance of the app's, with interceptors added before attach(): one moves some requests elsewhere.
  const own = axios.create({ baseURL: world.origin, adapter: world.adapter });
  own.interceptors.request.use((config) => {
    if (String(config.url).startsWith('/move-away')) config.baseURL = world.foreign;
    return config;
  });
  own.interceptors.request.use(spy.request);
  own.interceptors.response.use(spy.response, spy.error);
  app.get(SendfactAuthInterceptor).attach(own);
  return {
    app,
    http,
    own,
    auth: app.get(SendfactAuthService),
    cpe: app.get(SendfactCpeService),
    closed: false,
  };
}

/** Interceptors of the app that write down any token they are shown (rule d: none may be). */
function spying(world) {
  const look = (where, headers) => {
    const value = String(headers?.Authorization ?? headers?.authorization ?? '');
    if (world.isToken(value)) world.spied.push(where);
  };
  return {
    request: (config) => {
      look('a request interceptor of the app', config.headers);
      return config;
    },
    response: (response) => {
      look('response.config, in a response interceptor of the app', response.config?.headers);
      return response;
    },
    error: (error) => {
      look('error.config, in a response interceptor of the app', error?.config?.headers);
      throw error;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Calls.

const CLIENTS = ['root', 'forAccount', 'attached', 'cpe', 'token'];
const PATHS = ['ok', 'ok', 'ok', 'always401', 'foreign'].filter((kind) =>
  args.paths.split(',').includes(kind),
);

/** Sends one call as a user of the module would, and returns what it got. */
function send(world, replica, spec, id, signal) {
  const r = world.replicas[spec.replica];
  const headers = { 'x-call-id': id };
  const ownConfig = {
    headers,
    ...(signal === undefined ? {} : { signal }),
    // Over HTTP the stand-in answers 404 to paths it does not know: a sent call that was let in.
    ...(world.kind === 'http' ? { validateStatus: (s) => s !== 401 && s < 500 } : {}),
  };
  const path =
    spec.path === 'ok'
      ? `/ok/${spec.index}`
      : spec.path === 'always401'
        ? `/always401/${spec.index}`
        : spec.client === 'attached'
          ? `/move-away/${spec.index}`
          : `${world.foreign}/x/${spec.index}`;
  switch (spec.client) {
    case 'root':
      return firstValueFrom(r.http.get(path, { ...ownConfig, sendfactAccount: spec.account }));
    case 'forAccount':
      return r.http.forAccount(spec.account).axiosRef.get(path, ownConfig);
    case 'attached':
      return r.own.get(path, { ...ownConfig, sendfactAccount: spec.account });
    case 'token':
      // The token itself, as a service of the app asks for it (no path: it is a call that must succeed).
      return r.auth.getAccessToken(spec.account, signal === undefined ? undefined : { signal });
    default: {
      // The typed client takes no headers: its calls are told apart by the file name.
      const file = `${spec.path === 'always401' ? 'always401' : 'ok'}-${id}`;
      return r.cpe.status(file, spec.account);
    }
  }
}

function outcomeOf(error) {
  const status = error?.response?.status ?? error?.status;
  if (status === 401 && error?.name !== 'SendfactTokenRejectedError') return '401';
  return String(error?.name ?? error);
}

/** Starts the calls of one step, and drives time until each has settled. */
async function runCalls(world, specs) {
  const records = specs.map((spec) => {
    const id = `c${++world.calls}`;
    const record = { id, spec, start: world.now(), end: undefined, outcome: undefined, got: [] };
    const controller = spec.abortAfterMs === undefined ? undefined : new AbortController();
    let abortTimer;
    if (controller !== undefined) {
      const abort = () => {
        record.aborted = true;
        controller.abort();
      };
      abortTimer =
        world.kind === 'fake'
          ? world.clock.setTimer(abort, spec.abortAfterMs)
          : { cancel: clearTimeout.bind(null, setTimeout(abort, spec.abortAfterMs)) };
    }
    record.promise = Promise.resolve()
      .then(() => send(world, spec.replica, spec, id, controller?.signal))
      .then(
        (response) => {
          record.outcome = 'ok';
          record.got.push(response);
        },
        (error) => {
          // Over HTTP the stand-in knows no such document (400, 404): a call that was let in.
          const unknownDocument =
            world.kind === 'http' &&
            error?.name === 'SendfactApiError' &&
            (error.status === 400 || error.status === 404);
          record.outcome = unknownDocument ? 'ok' : outcomeOf(error);
          record.detail = String(error?.message ?? error).slice(0, 200);
          record.got.push(error);
        },
      )
      .finally(() => {
        record.end = world.now();
        abortTimer?.cancel();
      });
    return record;
  });
  const started = world.now();
  const settledAll = Promise.all(records.map((r) => r.promise));
  if (world.kind === 'fake') {
    let done = false;
    void settledAll.then(() => (done = true));
    for (;;) {
      await settle();
      if (done) break;
      if (world.now() - started > 120_000)
        throw new Violation('calls still unsettled after 120 s of the module clock');
      if (!(await world.clock.step())) {
        await settle();
        if (!done) throw new Violation('calls never settle: they wait on nothing the module armed');
      }
    }
  } else {
    let timer;
    const bound = new Promise((resolve) => (timer = setTimeout(resolve, 30_000, 'timeout')));
    const first = await Promise.race([settledAll, bound]);
    clearTimeout(timer);
    if (first === 'timeout') throw new Violation('calls still unsettled after 30 s');
  }
  return records;
}

/** (a), (d) and (g) for the calls of one step. */
function checkCalls(world, records) {
  for (const r of records) {
    const { spec } = r;
    const what = `call ${r.id} (${spec.client}, ${spec.account}, ${spec.path} path)`;
    // getAccessToken hands out the token: its answer is the one place a token belongs.
    const gotten = spec.client === 'token' ? r.got.filter((got) => typeof got !== 'string') : r.got;
    for (const got of checking('g') ? gotten : []) {
      const text = inspect(got, { depth: 4 });
      if (world.isToken(text)) throw new Violation(`${what}: what the caller got holds a token`);
      if (text.includes('model-pw-'))
        throw new Violation(`${what}: what the caller got holds a password`);
    }
    if (r.aborted || !checking('a')) continue;
    const excused = world.faultsAt(r.start - GRACE_MS, r.end);
    if (spec.client === 'token') {
      if (r.outcome !== 'ok' && !excused)
        throw new Violation(`${what}: getAccessToken failed with ${r.outcome} (${r.detail})`);
      continue;
    }
    if (spec.path === 'foreign') {
      if (r.outcome !== 'ok' && !excused)
        throw new Violation(`${what}: the other origin's call failed with ${r.outcome}`);
      continue;
    }
    if (excused) continue;
    if (spec.path === 'ok' && r.outcome !== 'ok')
      throw new Violation(
        `${what}: failed with ${r.outcome} (${r.detail}) while Sendfact would accept a token`,
      );
    if (spec.path === 'always401') {
      if (r.outcome !== '401' && r.outcome !== 'SendfactTokenRejectedError')
        throw new Violation(`${what}: failed with ${r.outcome}, not a 401`);
      const id = spec.client === 'cpe' ? undefined : r.id;
      if (id !== undefined && !world.sent(id))
        throw new Violation(`${what}: a 401 came back for a call that was never sent`);
    }
  }
  if (!checking('d')) return;
  const foreign = world.foreignWithToken();
  if (foreign.length > 0) throw new Violation(`a token went to another origin: ${foreign[0]}`);
  if (world.spied.length > 0) throw new Violation(`the app saw a token: ${world.spied[0]}`);
}

/** (b) and (c), after any step. */
function checkWire(world) {
  const expired = checking('c') ? world.expiredSent() : [];
  if (expired.length > 0)
    throw new Violation(`a request went out with an expired token: ${expired[0]}`);
  const issued = world.tokensIssued();
  const bound = world.allowance + refreshAllowance(world);
  if (checking('b') && issued > bound)
    throw new Violation(`${issued} tokens issued, more than the ${bound} the steps allow`);
}

/** (f) in --shrink mode: a rejection nobody handled is a violation of the step that made it. */
const unhandled = [];
if (args.shrink) process.on('unhandledRejection', (reason) => unhandled.push(reason));
async function checkUnhandled() {
  if (!args.shrink) return;
  await settle();
  if (unhandled.length > 0) {
    const reason = unhandled.splice(0);
    throw new Violation(`unhandled rejection: ${reason[0]?.name}: ${reason[0]?.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The steps. The model is what the steps allow the world to have: the replicas, whether a store is there.

/**
 * The tokens time may cost: for each account and replica in use, its first token and one per refresh interval
 * (three quarters of a lifetime) since. Counted on the time that passed, not on the steps that passed it.
 */
function refreshAllowance(world) {
  const interval = world.lifetimeMs * 0.75;
  let total = 0;
  for (const since of world.used.values())
    total += 1 + Math.floor((world.now() - since) / interval);
  return total;
}

/** Tokens each step may cost at most, all replicas and accounts together (the bound of rule b). */
function allow(world, perReplicaAndAccount) {
  world.allowance += perReplicaAndAccount * world.replicas.length * ACCOUNT_IDS.length;
}

/** One call of a step as a counterexample shows it: client/account/path, `@2` on the second replica. */
function describeCall(c) {
  const abort = c.abortAfterMs === undefined ? '' : `/abort@${c.abortAfterMs}`;
  return `${c.client}/${c.account}/${c.path}${c.replica ? '@2' : ''}${abort}`;
}

class Calls {
  constructor(calls) {
    this.calls = calls;
  }
  check(model) {
    return this.calls.every((c) => c.replica < model.replicas);
  }
  async run(_model, world) {
    // A call may be the first of its account on its replica (one token), and one to a path that always
    // answers 401 may cost one token request for that path and window, plus one where a stored token was
    // refused first.
    for (const c of this.calls) {
      const key = `${c.replica}/${c.account}`;
      if (!world.used.has(key)) world.used.set(key, world.now());
    }
    const records = await runCalls(world, this.calls);
    // The window of rule 3: a path that refused a fresh token costs nothing more for a while. A call aborted
    // before its replay started no window, but may have cost the token its 401 asked for.
    for (const r of records.filter((record) => record.spec.path === 'always401')) {
      const c = r.spec;
      if (r.aborted) {
        world.allowance += 1;
        continue;
      }
      // The typed client's path names the document, a new one each call: each is a path of its own.
      const path = c.client === 'cpe' ? `cpe/${++world.cpeCalls}` : `raw/${c.index}`;
      const key = `${c.replica}/${c.account}/${path}`;
      const last = world.charged.get(key);
      // Free only when the whole call fits in the window the module started, at the earliest, when the call
      // that was charged began.
      if (last !== undefined && r.end - last < POLICY.tokenRejectedCooldownMs) continue;
      world.charged.set(key, r.start);
      // One fresh token, and one more where a stored token was tried first.
      world.allowance += world.store === undefined ? 1 : 2;
    }
    checkCalls(world, records);
    checkWire(world);
    await checkUnhandled();
  }
  toString() {
    return `calls(${this.calls.map(describeCall).join(', ')})`;
  }
}

class Revoke {
  check() {
    return true;
  }
  async run(_model, world) {
    world.revoke();
    // One new token per account (per store), plus one per replica that first tried a refused stored token.
    const replicas = world.replicas.length;
    world.allowance += ACCOUNT_IDS.length * (world.store === undefined ? replicas : 1 + replicas);
    await checkUnhandled();
  }
  toString() {
    return 'revoke';
  }
}

class EndpointFault {
  constructor(fault, count) {
    this.fault = fault;
    this.count = count;
  }
  check() {
    return true;
  }
  async run(_model, world) {
    world.fault(this.fault, this.count);
    allow(world, 1);
    await checkUnhandled();
  }
  toString() {
    return `endpoint ${this.fault} ×${this.count}`;
  }
}

class ClearFaults {
  check() {
    return true;
  }
  async run(_model, world) {
    world.clearFaults();
    await checkUnhandled();
  }
  toString() {
    return 'endpoint healthy';
  }
}

class PassTime {
  constructor(ms) {
    this.ms = ms;
  }
  check() {
    return true;
  }
  async run(_model, world) {
    // What time costs is counted on the time itself (refreshAllowance).
    await world.passTime(this.ms);
    checkWire(world);
    await checkUnhandled();
  }
  toString() {
    return `wait ${this.ms} ms`;
  }
}

class StoreFault {
  constructor(action) {
    this.action = action;
  }
  check(model) {
    return model.store;
  }
  async run(_model, world) {
    if (this.action === 'junk') world.store.corrupt();
    else world.store.mode = this.action;
    // A store that lies or is gone costs each replica its own token.
    allow(world, 1);
    await checkUnhandled();
  }
  toString() {
    return `store ${this.action}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries.

function callArb(maxReplica, world) {
  return fc.record({
    replica: fc.integer({ min: 0, max: maxReplica }),
    client: fc.constantFrom(...CLIENTS),
    account: fc.constantFrom(...ACCOUNT_IDS),
    path: fc.constantFrom(...PATHS),
    index: fc.integer({ min: 0, max: 2 }),
    abortAfterMs: fc.option(fc.integer({ min: 0, max: world === 'fake' ? 40 : 150 }), {
      nil: undefined,
      freq: 4,
    }),
  });
}

function commandsArb(setup, world) {
  const maxReplica = setup.replicas - 1;
  const steps = [
    fc.array(callArb(maxReplica, world), { minLength: 1, maxLength: 8 }).map((c) => new Calls(c)),
    fc.array(callArb(maxReplica, world), { minLength: 1, maxLength: 8 }).map((c) => new Calls(c)),
    fc.constant(new Revoke()),
    fc
      .tuple(
        fc.constantFrom(...ENDPOINT_FAULTS.filter((f) => world === 'fake' || f !== 'hang')),
        fc.integer({ min: 1, max: 4 }),
      )
      .map(([fault, count]) => new EndpointFault(fault, count)),
    fc.constant(new ClearFaults()),
    fc.integer({ min: 1, max: world === 'fake' ? 9_000 : 900 }).map((ms) => new PassTime(ms)),
  ];
  if (setup.store)
    steps.push(fc.constantFrom('junk', 'down', 'slow', 'up').map((a) => new StoreFault(a)));
  return fc.commands(steps, { maxCommands: world === 'fake' ? 24 : 8 });
}

const setupArb = fc.oneof(
  fc.record({ store: fc.constant(false), replicas: fc.constant(1), proactive: fc.boolean() }),
  fc.record({
    store: fc.constant(true),
    replicas: fc.integer({ min: 1, max: 2 }),
    proactive: fc.boolean(),
  }),
);

// ---------------------------------------------------------------------------------------------------------
// One sequence, and the runs.

let run = 0;

async function sequence(kind, setup, commands) {
  run++;
  if (!args.shrink) process.stderr.write(`[model] ${kind} run ${run}\n`);
  const world = kind === 'fake' ? await fakeWorld(setup) : await httpWorld(setup);
  try {
    await fc.asyncModelRun(() => ({ model: setup, real: world }), commands);
  } finally {
    await closeWorld(world);
  }
}

/** (e): closing every replica leaves no timer of the module, and a call for any account after close fails at once. */
async function closeWorld(world) {
  for (const r of world.replicas) await r.app.close();
  await settle();
  if (checking('e') && world.kind === 'fake' && world.clock.pending > 0)
    throw new Violation(`${world.clock.pending} timers of the module still armed after close()`);
  // Every account, the default and those the sequence may never have used: none is made after close().
  for (const r of world.replicas) {
    for (const accountId of [undefined, ...ACCOUNT_IDS]) {
      // Settled at once, or not at all: a call after close() starts nothing it could wait on.
      let after = 'no answer';
      void r.auth.getAccessToken(accountId).then(
        () => (after = 'a token'),
        (error) => (after = error?.name),
      );
      await settle();
      if (checking('e') && after !== 'SendfactAuthClosedError')
        throw new Violation(
          `a call for ${accountId ?? 'the default account'} after close() got ${after}, not SendfactAuthClosedError`,
        );
    }
  }
  await world.closeServers?.();
  await checkUnhandled();
}

const seed =
  args.seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(args.seed);
const fakeRuns = Number(args.runs);
const httpRuns = Number(args['http-runs']);
console.log(
  `[model] seed ${seed}: ${fakeRuns} sequences on the manual clock, ${httpRuns} over HTTP${args.shrink ? ' (catching unhandled rejections, to shrink)' : ''}`,
);

const started = performance.now();
const slices = [
  ['fake', fakeRuns],
  ['http', httpRuns],
].filter(([kind, runs]) => runs > 0 && (args.only === undefined || args.only === kind));
let failed = false;
for (const [kind, numRuns] of slices) {
  run = 0;
  const property = fc.asyncProperty(
    setupArb.chain((setup) => fc.tuple(fc.constant(setup), commandsArb(setup, kind))),
    ([setup, commands]) => sequence(kind, setup, commands),
  );
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...(args.path === undefined ? {} : { path: args.path }),
  });
  if (details.failed) {
    failed = true;
    console.log(fc.defaultReportMessage(details));
    console.log(`[model] ${kind}: ${details.errorInstance}`);
    console.log(
      `[model] ${kind}: replay with --seed ${seed} --path ${details.counterexamplePath} --only ${kind}`,
    );
  } else {
    console.log(`[model] ${kind}: ${details.numRuns} sequences passed`);
  }
}
console.log(`[model] ${Math.round(performance.now() - started)} ms`);
process.exitCode = failed ? 1 : 0;
