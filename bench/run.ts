// `npm run bench`: the module against the floor of each of its APIs, its cost at an app's start, and the
// usual alternatives, all against the same TLS stand-in on loopback. Prints the tables and which targets
// hold, and writes them to bench-results/ (git-ignored); `npm run bench -- --update-docs` writes them into
// docs/BENCHMARKS.md and docs/benchmark-chart.svg instead.
//
//   --only api,boot,compare   run some phases (default: all)
//   --quick                   short phases, for a smoke run (also BENCH_QUICK=1)
//   --rounds N                rounds of the API phase (default 20): more narrows the spread of its ratios
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { measureApis, type ApiRatioConfig } from './api-ratio.js';
import { measureBoot, type BootConfig } from './boot.js';
import { renderChart } from './chart.js';
import { CLIENTS, startSendfactApp, type ClientKey } from './clients.js';
import { machineLine } from './markdown.js';
import type { MemoryProbeInput, MemorySample } from './memory-probe.js';
import { outputFor } from './output.js';
import {
  renderApiRatios,
  renderBoot,
  renderComparison,
  renderTargets,
  type ColdRun,
  type Comparison,
  type ComparisonConfig,
  type SteadySegment,
  type Target,
} from './report.js';
import { startStandInProcess, type BenchTarget, type StandInProcess } from './stand-in.js';
import type { StandInStats } from 'nestjs-sendfact-auth/testing';
import { burst, drive, epochNow, latenciesNear, median, rotate } from './workload.js';

const { values: args } = parseArgs({
  options: {
    'update-docs': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: process.env['BENCH_QUICK'] === '1' },
    only: { type: 'string', default: 'api,boot,compare' },
    rounds: { type: 'string' },
  },
});
const QUICK = args.quick;
const phases = new Set(args.only.split(','));
const API: ApiRatioConfig = {
  rounds: args.rounds === undefined ? (QUICK ? 4 : 20) : Math.max(1, Number(args.rounds) || 20),
  blockCalls: QUICK ? 500 : 1_000,
  concurrency: 32,
  warmupCalls: 64,
  memoryBlockCalls: QUICK ? 5_000 : 10_000,
};
const BOOT: BootConfig = { processes: QUICK ? 3 : 15, inProcess: QUICK ? 10 : 50 };
const COMPARE: ComparisonConfig = {
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
  hotIterations: QUICK ? 200_000 : 1_000_000,
  memoryMs: QUICK ? 1_500 : 3_000,
};
const log = (line: string): void => void process.stderr.write(`${line}\n`);
// A quick run is a smoke test: it never touches docs/.
const output = outputFor(args['update-docs'] && !QUICK);
const targets: Target[] = [];
const say = async (name: string, markdown: string): Promise<void> => {
  process.stdout.write(`\n${markdown}\n`);
  await output.block(name, markdown);
};

// Sendfact's own token lifetime, 120 s, for all but the steady state of the comparison.
const standIn = await startStandInProcess(120);
const { target } = standIn;
log(`stand-in at ${target.url}; results to ${output.dir}`);

if (phases.has('api')) {
  log(`each API against its floor: ${API.rounds} rounds of ${API.blockCalls} calls per client`);
  const { markdown, targets: held } = renderApiRatios(await measureApis(target, API, log));
  targets.push(...held);
  await say('api', `${machineLine()}\n\n${markdown}\n\n${renderTargets(held)}`);
}

if (phases.has('boot')) await say('boot', renderBoot(await measureBoot(BOOT, log)));

if (phases.has('compare')) {
  const comparison = await compare(standIn, target);
  const { markdown, targets: held } = renderComparison(comparison);
  targets.push(...held);
  await say('compare', `${machineLine()}\n\n${markdown}\n\n### Targets\n\n${renderTargets(held)}`);
  output.file('benchmark-chart.svg', await renderChart(comparison.steady, COMPARE));
}

await standIn.close();
// Each phase's targets are in its own block; all of them again at the end of what is printed.
if (targets.length > 0) process.stdout.write(`\n${renderTargets(targets)}\n`);
log(`wrote ${output.dir}`);

// --------------------------------------------------------------------------------------------------------------

async function compare(s: StandInProcess, t: BenchTarget): Promise<Comparison> {
  const keys = Object.keys(CLIENTS) as ClientKey[];
  const fullKeys = keys.filter((k) => !('steadyOnly' in CLIENTS[k]));
  const sum401 = (stats: StandInStats): number =>
    Object.values(stats.unauthorized).reduce((a: number, b) => a + (b as number), 0);

  // --- Cold start: 1,000 concurrent calls, no token held, fresh client and sockets ------------------------
  log(`cold start (${COMPARE.coldReps} x ${COMPARE.coldCalls} calls per client)`);
  await s.setLifetime(120);
  const cold: Partial<Record<ClientKey, ColdRun[]>> = {};
  for (let rep = 0; rep < COMPARE.coldReps; rep++) {
    for (const key of rotate(fullKeys, rep)) {
      const client = await CLIENTS[key].create(t);
      await s.reset();
      const result = await burst(client, COMPARE.coldCalls);
      const { stats } = await s.stats();
      (cold[key] ??= []).push({
        elapsedMs: result.elapsedMs,
        errors: result.errors,
        tokenRequests: stats.tokenRequests,
        unauthorized: sum401(stats),
      });
      await client.close();
    }
  }

  // --- Steady state: rounds of segments, client order rotated per round ------------------------------------
  log(
    `steady state: ${COMPARE.rounds} rounds x ${COMPARE.segmentMs / 1000} s per client, ` +
      `concurrency ${COMPARE.concurrency}, token lifetime ${COMPARE.lifetimeSeconds} s`,
  );
  await s.setLifetime(COMPARE.lifetimeSeconds);
  const clients = Object.fromEntries(
    await Promise.all(keys.map(async (k) => [k, await CLIENTS[k].create(t)] as const)),
  );
  const steady = Object.fromEntries(keys.map((k) => [k, [] as SteadySegment[]])) as Record<
    ClientKey,
    SteadySegment[]
  >;
  for (let round = 0; round < COMPARE.rounds; round++) {
    for (const key of rotate(keys, round)) {
      const client = clients[key];
      if (client === undefined) throw new Error(`no client ${key}`);
      await s.reset();
      const spanStart = epochNow();
      await drive(client, {
        concurrency: COMPARE.concurrency,
        durationMs: COMPARE.warmupMs,
        record: false,
      });
      const before = await s.stats();
      const replaysBefore = client.replays();
      const cpuBefore = process.cpuUsage();
      const result = await drive(client, {
        concurrency: COMPARE.concurrency,
        durationMs: COMPARE.segmentMs,
      });
      const cpu = process.cpuUsage(cpuBefore);
      const after = await s.stats(true);
      const spanMs = epochNow() - spanStart;
      const tokenTimes = Float64Array.from(after.tokenTimes ?? []).sort();
      steady[key].push({
        ...result,
        cpuMicros: cpu.user + cpu.system,
        spanMs,
        spanStart,
        tokenTimes,
        tokenRequests: after.stats.tokenRequests,
        unauthorized: sum401(after.stats) - sum401(before.stats),
        replays: client.replays() - replaysBefore,
        near: latenciesNear(result.starts, result.latencies, tokenTimes, COMPARE.nearRefreshMs),
      });
      log(
        `  round ${round + 1} ${CLIENTS[key].name}: ${Math.round(result.ok / (result.elapsedMs / 1000))} req/s, ` +
          `${after.stats.tokenRequests} token requests`,
      );
    }
  }
  for (const client of Object.values(clients)) await client.close();

  // --- Hot path: a cached getAccessToken() against Promise.resolve(token) ----------------------------------
  log('hot path');
  await s.setLifetime(120);
  const app = await startSendfactApp(t);
  const hot = await hotPath(() => app.auth.getAccessToken(), await app.auth.getAccessToken());
  await app.close();

  // --- Memory: each client alone in a fresh process ---------------------------------------------------------
  log('memory (one process per client)');
  await s.setLifetime(COMPARE.lifetimeSeconds);
  const memory: Comparison['memory'] = {};
  for (const key of fullKeys) memory[key] = await probeMemory(key, t);
  return { config: COMPARE, cold, steady, hot, memory };
}

/** Awaited ops per second, median of alternating runs after a warm-up. */
async function hotPath(
  cached: () => Promise<string>,
  heldToken: string,
): Promise<Comparison['hot']> {
  const n = COMPARE.hotIterations;
  const ops = { cached, resolve: () => Promise.resolve(heldToken) };
  const runs = { cached: [] as number[], resolve: [] as number[] };
  const names = Object.keys(ops) as (keyof typeof ops)[];
  for (const fn of Object.values(ops)) for (let i = 0; i < n / 5; i++) await fn();
  for (let round = 0; round < 5; round++) {
    for (const name of rotate(names, round)) {
      const fn = ops[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      runs[name].push(n / ((performance.now() - t0) / 1000));
    }
  }
  return { cachedOps: median(runs.cached), resolveOps: median(runs.resolve), iterations: n };
}

function probeMemory(key: ClientKey, t: BenchTarget): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const input: MemoryProbeInput = {
      key,
      target: t,
      concurrency: COMPARE.concurrency,
      durationMs: COMPARE.memoryMs,
    };
    const probe = fork(new URL('./memory-probe.js', import.meta.url), {
      execArgv: ['--expose-gc'],
      env: { ...process.env, BENCH_PROBE: JSON.stringify(input) },
    });
    let result: MemorySample | undefined;
    probe.on('message', (m: MemorySample) => (result = m));
    probe.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`memory probe ${key} exited with ${code}`)),
    );
  });
}
