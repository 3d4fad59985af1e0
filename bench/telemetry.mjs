// `npm run build && node bench/telemetry.mjs`: what the OpenTelemetry telemetry costs a Sendfact call.
// Two SendfactHttpService apps in one process with the OpenTelemetry SDK registered (its no-op exporters
// still take every span and metric point): one with telemetry on (the default), one with
// `telemetry: { enabled: false }`. Same stand-in, same load, interleaved segments; prints the table of
// docs/BENCHMARKS.md's telemetry section. `BENCH_QUICK=1` for a short smoke run.
import { fork } from 'node:child_process';
import https from 'node:https';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import axios from 'axios';
import { generate } from 'selfsigned';
import { STAND_IN_DEFAULT_ACCOUNT } from 'nestjs-sendfact-auth/testing';
import { drive, median } from './workload.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const CONFIG = {
  concurrency: 64,
  /** Short tokens, so that every segment has token requests (and their spans) in it. */
  lifetimeSeconds: 6,
  rounds: QUICK ? 2 : 6,
  segmentMs: QUICK ? 2_000 : 8_000,
  warmupMs: 500,
};
const log = (line) => process.stderr.write(`${line}\n`);

// --- The SDK, as an app registers it, with exporters that drop what they are given -----------------------
/** Counts what reaches it, so the report can show that telemetry was recorded, and drops it. */
const exported = { spans: 0, metricExports: 0 };
const noopSpanExporter = {
  export(spans, done) {
    exported.spans += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
};
const noopMetricExporter = {
  export(_metrics, done) {
    exported.metricExports++;
    done({ code: 0 });
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopSpanExporter)],
});
trace.setGlobalTracerProvider(tracerProvider);
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: noopMetricExporter,
      exportIntervalMillis: 1_000,
    }),
  ],
});
metrics.setGlobalMeterProvider(meterProvider);

// --- The stand-in over TLS in its own process, as in bench/run.mjs ------------------------------------------
const pem = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
  keyType: 'ec',
  curve: 'P-256',
  algorithm: 'sha256',
  notAfterDate: new Date(Date.now() + 86_400_000),
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
const child = fork(fileURLToPath(new URL('./stand-in-process.mjs', import.meta.url)), {
  env: {
    ...process.env,
    BENCH_STAND_IN: JSON.stringify({
      key: pem.private,
      cert: pem.cert,
      lifetime: CONFIG.lifetimeSeconds,
    }),
  },
});
const url = await new Promise((resolve, reject) => {
  child.once('message', (m) => (m.ready ? resolve(m.url) : reject(new Error('stand-in failed'))));
  child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
});
const stopStandIn = () =>
  new Promise((resolve) => {
    child.once('exit', resolve);
    child.send({ id: 1, op: 'close' });
  });

const credentials = { ...STAND_IN_DEFAULT_ACCOUNT };
const fileName = '20515809822-01-F001-1';
const setup = axios.create({ baseURL: url, httpsAgent: new https.Agent({ ca: pem.cert }) });
const setupToken = (await setup.post('/api/auth/token', credentials)).data.access_token;
await setup.post(
  '/api/cpe/send',
  { file_name: fileName, file_content: Buffer.from('<Invoice/>').toString('base64') },
  { headers: { Authorization: `Bearer ${setupToken}` } },
);
const path = `/api/cpe/${fileName}/status`;

// --- The two clients -----------------------------------------------------------------------------------------
async function moduleClient(telemetry) {
  await import('reflect-metadata');
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { firstValueFrom } = await import('rxjs');
  const { SendfactAuthModule, SendfactAuthService, SendfactHttpService } =
    await import('nestjs-sendfact-auth');
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: pem.cert });
  // oxlint-disable-next-line typescript/no-extraneous-class -- decorated just below
  class BenchAppModule {}
  Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: url,
        ...credentials,
        http: { httpsAgent: agent },
        telemetry: { enabled: telemetry },
      }),
    ],
  })(BenchAppModule);
  const app = await NestFactory.createApplicationContext(BenchAppModule, { logger: false });
  const http = app.get(SendfactHttpService);
  const auth = app.get(SendfactAuthService);
  if ((auth.telemetry !== undefined) !== telemetry) throw new Error('telemetry option not applied');
  return {
    call: () => firstValueFrom(http.get(path)),
    tokenRequests: () => auth.getStats().tokenRequests,
    http,
    refresh: () => auth.refreshAccessToken(),
    close: async () => {
      await app.close();
      agent.destroy();
    },
  };
}

const clients = { off: await moduleClient(false), on: await moduleClient(true) };
const keys = Object.keys(clients);
const results = { off: [], on: [] };
log(
  `telemetry bench: ${CONFIG.rounds} rounds x ${CONFIG.segmentMs / 1000} s per client, ` +
    `concurrency ${CONFIG.concurrency}, token lifetime ${CONFIG.lifetimeSeconds} s`,
);
for (let round = 0; round < CONFIG.rounds; round++) {
  const order = round % 2 === 0 ? keys : [...keys].reverse();
  for (const key of order) {
    const client = clients[key];
    await drive(client, {
      concurrency: CONFIG.concurrency,
      durationMs: CONFIG.warmupMs,
      record: false,
    });
    const tokensBefore = client.tokenRequests();
    const cpuBefore = process.cpuUsage();
    const result = await drive(client, {
      concurrency: CONFIG.concurrency,
      durationMs: CONFIG.segmentMs,
      record: false,
    });
    const cpu = process.cpuUsage(cpuBefore);
    const errors = [...result.errors.values()].reduce((a, b) => a + b, 0);
    const rps = result.ok / (result.elapsedMs / 1000);
    results[key].push({
      rps,
      cpuPerCall: (cpu.user + cpu.system) / Math.max(1, result.ok),
      errors,
      tokenRequests: client.tokenRequests() - tokensBefore,
    });
    log(`  round ${round + 1} telemetry ${key}: ${Math.round(rps)} req/s, ${errors} errors`);
  }
}
// --- Hot path: the interceptor's request hook with a token held, the only place telemetry runs per call -----
const HOT_ITERATIONS = QUICK ? 50_000 : 125_000;
// A token valid for the whole loop, so each call takes the held-token path.
await new Promise((resolve) => {
  child.once('message', resolve);
  child.send({ id: 2, op: 'setLifetime', args: { seconds: 3_600 } });
});
for (const client of Object.values(clients)) await client.refresh();
const { AxiosHeaders } = axios;
const hookOf = (client) => {
  // The synchronous hook: `runWhen` claims the held token, `fulfilled` puts it on (and records its age).
  const handler = client.http.axiosRef.interceptors.request.handlers.find(Boolean);
  return (config) => handler.runWhen(config) && handler.fulfilled(config);
};
const hooks = { off: hookOf(clients.off), on: hookOf(clients.on) };
const makeConfig = () => ({
  url: path,
  baseURL: url,
  method: 'get',
  headers: new AxiosHeaders({ Accept: 'application/json' }),
});
const hotNs = { off: [], on: [], bare: [] };
const loops = { ...hooks, bare: (config) => config };
for (const fn of Object.values(loops))
  for (let i = 0; i < HOT_ITERATIONS / 5; i++) fn(makeConfig());
// Many short blocks, interleaved, timed by CPU time rather than the wall clock: on a shared machine the
// wall clock also counts the time other processes had the core.
const HOT_ROUNDS = 20;
const block = QUICK ? 10_000 : 25_000;
for (let round = 0; round < HOT_ROUNDS; round++) {
  for (const key of round % 2 === 0 ? Object.keys(loops) : Object.keys(loops).reverse()) {
    const fn = loops[key];
    let sink;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < block; i++) sink = fn(makeConfig());
    const cpu = process.cpuUsage(cpu0);
    hotNs[key].push(((cpu.user + cpu.system) * 1e3) / block);
    if (!sink) throw new Error('the hook did not sign');
  }
}
const hookNs = (key) => median(hotNs[key]) - median(hotNs.bare);

for (const client of Object.values(clients)) await client.close();
await tracerProvider.forceFlush();
await meterProvider.forceFlush();
await stopStandIn();

// --- Report --------------------------------------------------------------------------------------------------
const med = (key, field) => median(results[key].map((r) => r[field]));
// Per round, on against off measured next to each other: drift of the machine cancels out.
const ratios = results.on.map((r, i) => r.rps / results.off[i].rps);
const sum = (key, field) => results[key].reduce((a, r) => a + r[field], 0);
const ratio = median(ratios);
// Where the machine is shared, CPU per call is the steadier figure: the throughput a core would give.
const cpuRatio = med('off', 'cpuPerCall') / med('on', 'cpuPerCall');
const lines = [
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}. ` +
    `${CONFIG.rounds} rounds x ${CONFIG.segmentMs / 1000} s per client, concurrency ${CONFIG.concurrency}, ` +
    `${CONFIG.lifetimeSeconds} s tokens.`,
  '',
  '| telemetry | requests/s, median | client CPU µs per call, median | token requests | errors |',
  '| --- | --- | --- | --- | --- |',
  ...keys.map(
    (key) =>
      `| ${key === 'on' ? 'on (SDK, no-op exporters)' : 'off (`enabled: false`)'} | ${Math.round(med(key, 'rps'))} | ` +
      `${med(key, 'cpuPerCall').toFixed(0)} | ${sum(key, 'tokenRequests')} | ${sum(key, 'errors')} |`,
  ),
  '',
  `Interceptor request hook with a token held (what each call runs): ${hookNs('off').toFixed(0)} ns with ` +
    `telemetry off, ${hookNs('on').toFixed(0)} ns on (CPU time, median of ${HOT_ROUNDS} interleaved blocks of ${block.toLocaleString('en')} calls).`,
  '',
  `Throughput ratio on / off, median of ${CONFIG.rounds} paired rounds: **${ratio.toFixed(3)}×** ` +
    `(rounds: ${ratios.map((r) => r.toFixed(3)).join(', ')}); target ≥ 0.97×: ` +
    `${ratio >= 0.97 ? 'holds' : 'missed'}. From client CPU per call (off / on): ${cpuRatio.toFixed(3)}×. ` +
    `Load average during the run: ${os.loadavg()[0].toFixed(1)}. Spans exported: ${exported.spans}; metric exports: ${exported.metricExports}.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
