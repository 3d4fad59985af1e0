// `npm run bench`: every client against the same TLS stand-in on loopback, interleaved, in one run.
// Prints the tables and which targets hold; writes the chart and the results block of docs/BENCHMARKS.md.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { generate } from 'selfsigned';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import { renderChart } from './chart.mjs';
import { CLIENTS, createClient } from './clients.mjs';
import { renderReport } from './report.mjs';
import { burst, drive, epochNow, latenciesNear, median } from './workload.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const CONFIG = {
  concurrency: 64,
  /** Stand-in token lifetime in the steady state: short, so that a segment sees several rotations. */
  lifetimeSeconds: 6,
  rounds: 3,
  segmentMs: QUICK ? 3_000 : 10_000,
  /** Unmeasured load before each segment: opens the sockets and gets each client to its steady state. */
  warmupMs: 500,
  nearRefreshMs: 200,
  coldCalls: 1_000,
  coldReps: QUICK ? 1 : 3,
  serialMs: QUICK ? 300 : 1_000,
  hotIterations: QUICK ? 200_000 : 1_000_000,
  memoryMs: QUICK ? 1_500 : 3_000,
};
const KEYS = Object.keys(CLIENTS);
const FULL_KEYS = KEYS.filter((k) => !CLIENTS[k].steadyOnly);
const docs = (name) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
const log = (line) => process.stderr.write(`${line}\n`);
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

const benchStart = performance.now();

// --- The stand-in, over TLS (Azure's policy refuses plain http), in its own process -----------------------
const pem = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
  keyType: 'ec',
  curve: 'P-256',
  algorithm: 'sha256',
  notAfterDate: new Date(Date.now() + 86_400_000),
  extensions: [
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ],
});
const child = fork(fileURLToPath(new URL('./stand-in-process.mjs', import.meta.url)), {
  env: {
    ...process.env,
    BENCH_STAND_IN: JSON.stringify({ key: pem.private, cert: pem.cert, lifetime: 120 }),
  },
});
const url = await new Promise((resolve, reject) => {
  child.once('message', (m) => (m.ready ? resolve(m.url) : reject(new Error('stand-in failed'))));
  child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
});
let rpcId = 0;
const pending = new Map();
child.on('message', (m) => {
  const waiter = pending.get(m.id);
  if (!waiter) return;
  pending.delete(m.id);
  if (m.ok) waiter.resolve(m.value);
  else waiter.reject(new Error(m.error));
});
const standIn = (op, args) =>
  new Promise((resolve, reject) => {
    const id = ++rpcId;
    pending.set(id, { resolve, reject });
    child.send({ id, op, args });
  });

// One document to poll, and a token valid for the whole run for the floor.
const credentials = { ...STAND_IN_DEFAULT_ACCOUNT };
const setup = axios.create({
  baseURL: url,
  httpsAgent: new https.Agent({ ca: pem.cert }),
});
await standIn('setLifetime', { seconds: 3_600 });
const fixedToken = (await setup.post('/api/auth/token', credentials)).data.access_token;
const fileName = '20515809822-01-F001-1';
await setup.post(
  '/api/cpe/send',
  { file_name: fileName, file_content: Buffer.from('<Invoice/>').toString('base64') },
  { headers: { Authorization: `Bearer ${fixedToken}` } },
);
const target = {
  url,
  ca: pem.cert,
  credentials,
  path: `/api/cpe/${fileName}/status`,
  fixedToken,
};

// --- Cold start: 1,000 concurrent calls, no token held, fresh client and sockets --------------------------
log(`stand-in at ${url}; cold start (${CONFIG.coldReps} x ${CONFIG.coldCalls} calls per client)`);
await standIn('setLifetime', { seconds: 120 });
const cold = Object.fromEntries(FULL_KEYS.map((k) => [k, []]));
for (let rep = 0; rep < CONFIG.coldReps; rep++) {
  for (const key of rotate(FULL_KEYS, rep)) {
    const client = await createClient(key, target);
    await standIn('reset');
    const result = await burst(client, CONFIG.coldCalls);
    const { stats } = await standIn('stats', {});
    cold[key].push({
      elapsedMs: result.elapsedMs,
      errors: result.errors,
      tokenRequests: stats.tokenRequests,
      unauthorized: sum401(stats),
    });
    await client.close();
  }
}

// --- Steady state: rounds of segments, client order rotated per round --------------------------------------
log(
  `steady state: ${CONFIG.rounds} rounds x ${CONFIG.segmentMs / 1000} s per client, ` +
    `concurrency ${CONFIG.concurrency}, token lifetime ${CONFIG.lifetimeSeconds} s`,
);
await standIn('setLifetime', { seconds: CONFIG.lifetimeSeconds });
const clients = {};
for (const key of KEYS) clients[key] = await createClient(key, target);
const steady = Object.fromEntries(KEYS.map((k) => [k, []]));
for (let round = 0; round < CONFIG.rounds; round++) {
  for (const key of rotate(KEYS, round)) {
    const client = clients[key];
    await standIn('reset');
    const spanStart = epochNow();
    await drive(client, {
      concurrency: CONFIG.concurrency,
      durationMs: CONFIG.warmupMs,
      record: false,
    });
    const before = await standIn('stats', {});
    const replaysBefore = client.replays();
    const cpuBefore = process.cpuUsage();
    const result = await drive(client, {
      concurrency: CONFIG.concurrency,
      durationMs: CONFIG.segmentMs,
    });
    const cpu = process.cpuUsage(cpuBefore);
    const after = await standIn('stats', { withTokenTimes: true });
    const spanMs = epochNow() - spanStart;
    const tokenTimes = Float64Array.from(after.tokenTimes).toSorted();
    steady[key].push({
      ...result,
      cpuMicros: cpu.user + cpu.system,
      spanMs,
      spanStart,
      tokenTimes,
      tokenRequests: after.stats.tokenRequests,
      unauthorized: sum401(after.stats) - sum401(before.stats),
      replays: client.replays() - replaysBefore,
      near: latenciesNear(result.starts, result.latencies, tokenTimes, CONFIG.nearRefreshMs),
    });
    log(
      `  round ${round + 1} ${CLIENTS[key].name}: ${Math.round(result.ok / (result.elapsedMs / 1000))} req/s, ` +
        `${after.stats.tokenRequests} token requests`,
    );
  }
}

// --- Concurrency 1: what the module adds to one request, end to end ----------------------------------------
await standIn('setLifetime', { seconds: 120 });
const serial = { floor: [], module: [] };
for (let round = 0; round < CONFIG.rounds; round++) {
  for (const key of rotate(['floor', 'module'], round)) {
    await drive(clients[key], { concurrency: 1, durationMs: 100, record: false });
    const result = await drive(clients[key], { concurrency: 1, durationMs: CONFIG.serialMs });
    serial[key].push(...result.latencies);
  }
}

// --- Hot path: a cached getAccessToken() against Promise.resolve(token), and the interceptor itself ---------
log('hot path');
const { auth, http } = clients.module.internals;
const token = await auth.getAccessToken();
const hot = await hotPath(auth, http, token);

for (const key of KEYS) await clients[key].close();

// --- Memory: each client alone in a fresh process -----------------------------------------------------------
log('memory (one process per client)');
await standIn('setLifetime', { seconds: CONFIG.lifetimeSeconds });
const memory = {};
for (const key of FULL_KEYS) memory[key] = await probeMemory(key);

await standIn('close');
const totalSeconds = (performance.now() - benchStart) / 1000;

// --- Report ------------------------------------------------------------------------------------------------
const machine = {
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
};
const { text, markdown } = renderReport({
  config: CONFIG,
  machine,
  totalSeconds,
  cold,
  steady,
  serial,
  hot,
  memory,
});
process.stdout.write(text);

if (!QUICK) {
  writeFileSync(docs('benchmark-chart.svg'), await renderChart(steady, CONFIG));
  const path = docs('BENCHMARKS.md');
  const current = readFileSync(path, 'utf8');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from >= 0 && to > from) {
    const updated = current.slice(0, from + start.length) + `\n${markdown}\n` + current.slice(to);
    // Formatted as `npm run format:check` expects, so that a run leaves the check green.
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(updated, { ...options, filepath: path }));
    log('wrote docs/benchmark-chart.svg and the results in docs/BENCHMARKS.md');
  }
}

// --------------------------------------------------------------------------------------------------------------

function sum401(stats) {
  return Object.values(stats.unauthorized).reduce((a, b) => a + b, 0);
}

/** Awaited ops per second of `fn`, median of alternating runs after a warm-up. */
async function hotPath(authService, httpService, heldToken) {
  const n = CONFIG.hotIterations;
  const runs = { cached: [], resolve: [] };
  const ops = {
    cached: () => authService.getAccessToken(),
    resolve: () => Promise.resolve(heldToken),
  };
  for (const fn of Object.values(ops)) for (let i = 0; i < n / 5; i++) await fn();
  for (let round = 0; round < 5; round++) {
    for (const name of rotate(Object.keys(ops), round)) {
      const fn = ops[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      runs[name].push(n / ((performance.now() - t0) / 1000));
    }
  }

  // The interceptor's request hook, called directly, against building the same request config without it.
  const { AxiosHeaders } = await import('axios');
  const hook = httpService.axiosRef.interceptors.request.handlers.find(Boolean).fulfilled;
  const makeConfig = () => ({
    url: target.path,
    baseURL: url,
    method: 'get',
    headers: new AxiosHeaders({ Accept: 'application/json' }),
  });
  const cost = { bare: [], hook: [] };
  const loops = {
    bare: () => {
      const config = makeConfig();
      return config;
    },
    hook: () => hook(makeConfig()),
  };
  for (const fn of Object.values(loops)) for (let i = 0; i < n / 5; i++) fn();
  for (let round = 0; round < 5; round++) {
    for (const name of rotate(Object.keys(loops), round)) {
      const fn = loops[name];
      let sink;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) sink = fn();
      cost[name].push(((performance.now() - t0) * 1e6) / n);
      if (sink === undefined) throw new Error('unreachable');
    }
  }
  return {
    cachedOps: median(runs.cached),
    resolveOps: median(runs.resolve),
    interceptorNs: median(cost.hook) - median(cost.bare),
    iterations: n,
  };
}

function probeMemory(key) {
  return new Promise((resolve, reject) => {
    const probe = fork(fileURLToPath(new URL('./memory-probe.mjs', import.meta.url)), {
      execArgv: ['--expose-gc'],
      env: {
        ...process.env,
        BENCH_PROBE: JSON.stringify({
          key,
          target,
          concurrency: CONFIG.concurrency,
          durationMs: CONFIG.memoryMs,
        }),
      },
    });
    let result;
    probe.on('message', (m) => (result = m));
    probe.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`memory probe ${key} exited with ${code}`)),
    );
  });
}
