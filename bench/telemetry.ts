// `npm run bench:telemetry`: what the OpenTelemetry telemetry costs a Sendfact call. Two SendfactHttpService
// apps in one process with the OpenTelemetry SDK registered (its no-op exporters still take every span and
// metric point): one with telemetry on (the default), one with `telemetry: { enabled: false }`. The same
// interleaved, CPU-time-per-call harness as `npm run bench` (bench/api-ratio.ts). Prints the table of
// docs/BENCHMARKS.md's telemetry section and writes it to bench-results/ (or, with --update-docs, there).
import { parseArgs } from 'node:util';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { firstValueFrom } from 'rxjs';
import {
  cannedAdapter,
  interleave,
  roundRatios,
  spread,
  type ApiRatioConfig,
} from './api-ratio.js';
import { startSendfactApp } from './clients.js';
import { fixed, machineLine, table } from './markdown.js';
import { outputFor } from './output.js';
import { startStandInProcess } from './stand-in.js';
import { median } from './workload.js';

const { values: args } = parseArgs({
  options: {
    'update-docs': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: process.env['BENCH_QUICK'] === '1' },
  },
});
const CONFIG: ApiRatioConfig = {
  rounds: args.quick ? 4 : 16,
  blockCalls: args.quick ? 500 : 1_000,
  concurrency: 32,
  warmupCalls: 64,
  memoryBlockCalls: args.quick ? 5_000 : 10_000,
};
/** Short tokens, so that the run has token requests (and their spans) in it. */
const LIFETIME_S = 6;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// --- The SDK, as an app registers it, with exporters that drop what they are given -----------------------
/** Counts what reaches it, so the report can show that telemetry was recorded, and drops it. */
const exported = { spans: 0, metricExports: 0 };
const noopSpanExporter: SpanExporter = {
  export(spans, done) {
    exported.spans += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
};
const noopMetricExporter: PushMetricExporter = {
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

const standIn = await startStandInProcess(LIFETIME_S);
const { target } = standIn;
const off = await startSendfactApp(target, { telemetry: { enabled: false } });
const on = await startSendfactApp(target, { telemetry: { enabled: true } });
// Their twins on the canned adapter: the client code alone.
const cannedOff = await startSendfactApp(target, {
  telemetry: { enabled: false },
  http: { adapter: cannedAdapter },
});
const cannedOn = await startSendfactApp(target, {
  telemetry: { enabled: true },
  http: { adapter: cannedAdapter },
});
// The hooks are internal (not in the published types): read them as the module holds them.
const hooks = (app: { auth: object }) => (app.auth as { telemetry?: unknown }).telemetry;
if (hooks(off) !== undefined || hooks(on) === undefined)
  throw new Error('telemetry option not applied');
log(`telemetry bench: ${CONFIG.rounds} rounds of ${CONFIG.blockCalls} calls per client`);
const result = await interleave(
  {
    off: () => firstValueFrom(off.http.get(target.path)),
    on: () => firstValueFrom(on.http.get(target.path)),
  },
  {
    off: () => firstValueFrom(cannedOff.http.get(target.path)),
    on: () => firstValueFrom(cannedOn.http.get(target.path)),
  },
  CONFIG,
  log,
);
const tokenRequests = {
  off: off.auth.getStats().tokenRequests,
  on: on.auth.getStats().tokenRequests,
};
await off.close();
await on.close();
await cannedOff.close();
await cannedOn.close();
await tracerProvider.forceFlush();
await meterProvider.forceFlush();
await standIn.close();

// --- Report --------------------------------------------------------------------------------------------------
const network = spread(roundRatios(result.network, 'on', 'off'));
const inMemory = spread(roundRatios(result.inMemory, 'on', 'off'));
const cpu = (blocks: typeof result.network, key: 'on' | 'off'): number =>
  median(blocks[key].map((b) => b.cpuMicrosPerCall));
const load = spread(result.load);
const markdown = [
  `${machineLine()} ${CONFIG.rounds} rounds; in each, one block of ${CONFIG.blockCalls.toLocaleString('en')} calls ` +
    `per app over TLS at concurrency ${CONFIG.concurrency}, then one of ${CONFIG.memoryBlockCalls.toLocaleString('en')} ` +
    `answered by an in-memory adapter; ${LIFETIME_S} s tokens. Load average during the run: median ` +
    `${fixed(load.median, 1)} (${fixed(load.min, 1)}–${fixed(load.max, 1)}).`,
  '',
  table(
    [
      'telemetry',
      'client CPU µs per call, over TLS (median)',
      'in memory (median)',
      'token requests',
      'errors',
    ],
    (['off', 'on'] as const).map((key) => [
      key === 'on' ? 'on (SDK, no-op exporters)' : 'off (`enabled: false`)',
      fixed(cpu(result.network, key), 0),
      fixed(cpu(result.inMemory, key), 2),
      String(tokenRequests[key]),
      String(result.network[key].reduce((a, b) => a + b.errors, 0)),
    ]),
  ),
  '',
  `Ratio off CPU / on CPU per call over TLS, median of ${CONFIG.rounds} rounds: **${fixed(network.median)}×** ` +
    `(p25–p75 ${fixed(network.p25)}–${fixed(network.p75)}, min–max ${fixed(network.min)}–${fixed(network.max)}); ` +
    `target ≥ 0.97×: ${network.median >= 0.97 ? 'holds' : 'missed'}. In memory: ${fixed(inMemory.median)}× ` +
    `(p25–p75 ${fixed(inMemory.p25)}–${fixed(inMemory.p75)}), ` +
    `${fixed(cpu(result.inMemory, 'on') - cpu(result.inMemory, 'off'), 2)} µs per call added. ` +
    `Spans exported: ${exported.spans}; metric exports: ${exported.metricExports}.`,
].join('\n');
process.stdout.write(`${markdown}\n`);
await outputFor(args['update-docs'] && !args.quick).block('telemetry', markdown);
