// Turns the raw samples of `npm run bench` into the Markdown of docs/BENCHMARKS.md and checks the targets.
import {
  API_CLIENTS,
  API_PAIRS,
  roundRatios,
  spread,
  type ApiKey,
  type ApiRatioResult,
} from './api-ratio.js';
import type { BootResult } from './boot.js';
import { CLIENTS, type ClientKey } from './clients.js';
import { errorText, fixed, int, mb, ms, table } from './markdown.js';
import {
  median,
  mergeErrors,
  percentile,
  sortedCopy,
  sumErrors,
  type DriveResult,
} from './workload.js';

export interface SteadySegment extends DriveResult {
  cpuMicros: number;
  spanMs: number;
  spanStart: number;
  tokenTimes: Float64Array;
  tokenRequests: number;
  unauthorized: number;
  replays: number;
  near: number[];
}

export interface ColdRun {
  elapsedMs: number;
  errors: Map<string, number>;
  tokenRequests: number;
  unauthorized: number;
}

export interface ComparisonConfig {
  concurrency: number;
  lifetimeSeconds: number;
  rounds: number;
  segmentMs: number;
  warmupMs: number;
  nearRefreshMs: number;
  coldCalls: number;
  coldReps: number;
  hotIterations: number;
  memoryMs: number;
}

export interface Comparison {
  config: ComparisonConfig;
  cold: Partial<Record<ClientKey, ColdRun[]>>;
  steady: Record<ClientKey, SteadySegment[]>;
  hot: { cachedOps: number; resolveOps: number; iterations: number };
  memory: Partial<Record<ClientKey, { peakRss: number; heapAfterGc: number }>>;
}

export interface Target {
  what: string;
  held: boolean;
  detail: string;
}

const name = (key: ClientKey): string => CLIENTS[key].name;
const range = (s: { p25: number; p75: number; min: number; max: number }, f = fixed): string =>
  `${f(s.p25)}–${f(s.p75)} (${f(s.min)}–${f(s.max)})`;

// --- Each API against the floor of its own kind ---------------------------------------------------------------

export function renderApiRatios(r: ApiRatioResult): { markdown: string; targets: Target[] } {
  const keys = Object.keys(API_CLIENTS) as ApiKey[];
  const cpu = (blocks: ApiRatioResult['network'], k: ApiKey) =>
    spread(blocks[k].map((b) => b.cpuMicrosPerCall));
  const load = spread(r.load);
  const c = r.config;
  const pairRows = (blocks: ApiRatioResult['network']) =>
    API_PAIRS.map((p) => {
      const cpuRatio = spread(roundRatios(blocks, p.subject, p.floor));
      const rpsRatio = spread(roundRatios(blocks, p.subject, p.floor, 'rps'));
      return { pair: p, cpuRatio, rpsRatio };
    });
  const network = pairRows(r.network);
  const inMemory = pairRows(r.inMemory);
  const markdown = [
    `${c.rounds} rounds; in each, every client runs one block of ${int(c.blockCalls)} calls at concurrency ` +
      `${c.concurrency} (after ${c.warmupCalls} unmeasured calls), in an order rotated from round to round. ` +
      `One-minute load average during the run: median ${fixed(load.median, 1)} ` +
      `(${fixed(load.min, 1)}–${fixed(load.max, 1)}). Phase time ${Math.round(r.seconds)} s.`,
    '',
    '#### Over TLS to the stand-in (the target)',
    '',
    table(
      ['client', 'client CPU µs per call, median', 'p25–p75 (min–max)', 'req/s, median', 'errors'],
      keys.map((k) => {
        const s = cpu(r.network, k);
        return [
          API_CLIENTS[k],
          fixed(s.median, 0),
          range(s, (v) => fixed(v, 0)),
          int(median(r.network[k].map((b) => b.rps))),
          int(r.network[k].reduce((a, b) => a + b.errors, 0)),
        ];
      }),
    ),
    '',
    table(
      [
        'API',
        'against',
        'ratio floor CPU / module CPU, median of rounds',
        'p25–p75 (min–max)',
        'req/s ratio, median (wall clock)',
      ],
      network.map(({ pair, cpuRatio, rpsRatio }) => [
        pair.name,
        API_CLIENTS[pair.floor],
        `**${fixed(cpuRatio.median)}×**`,
        range(cpuRatio),
        `${fixed(rpsRatio.median)}× (${fixed(rpsRatio.min)}–${fixed(rpsRatio.max)})`,
      ]),
    ),
    '',
    `#### The client code alone: the same calls answered by an in-memory axios adapter (${int(c.memoryBlockCalls)} calls a block)`,
    '',
    table(
      ['client', 'CPU µs per call, median', 'p25–p75 (min–max)'],
      keys.map((k) => {
        const s = cpu(r.inMemory, k);
        return [API_CLIENTS[k], fixed(s.median, 2), range(s, (v) => fixed(v, 2))];
      }),
    ),
    '',
    table(
      [
        'API',
        'module adds, µs per call (median)',
        'ratio floor / module, median',
        'p25–p75 (min–max)',
      ],
      inMemory.map(({ pair, cpuRatio }) => [
        pair.name,
        fixed(cpu(r.inMemory, pair.subject).median - cpu(r.inMemory, pair.floor).median, 2),
        fixed(cpuRatio.median),
        range(cpuRatio),
      ]),
    ),
  ].join('\n');
  const targets = network.map(({ pair, cpuRatio }) => ({
    what: `${pair.name} ≥ 0.98 × ${API_CLIENTS[pair.floor]} (client CPU per call)`,
    held: cpuRatio.median >= 0.98,
    detail: `${fixed(cpuRatio.median)}× (p25–p75 ${fixed(cpuRatio.p25)}–${fixed(cpuRatio.p75)})`,
  }));
  return { markdown, targets };
}

// --- Boot ----------------------------------------------------------------------------------------------------

export function renderBoot(r: BootResult): string {
  const med = (variant: 'with' | 'without', field: 'importMs' | 'initMs' | 'readyMs' | 'cpuMs') =>
    median(r.fresh[variant].map((s) => s[field]));
  const fields = [
    ['loading the code (imports)', 'importMs'],
    ['`NestFactory.create` + `app.init()`', 'initMs'],
    ['process start to app initialized', 'readyMs'],
    ['CPU time of the process to then', 'cpuMs'],
  ] as const;
  const warmWith = median(r.warm.with);
  const warmWithout = median(r.warm.without);
  return [
    `A minimal Nest HTTP app (\`@nestjs/platform-express\`, one empty module), with and without ` +
      `\`SendfactAuthModule.forRoot({ baseUrl, username, password })\`, booted alternately; medians.`,
    '',
    table(
      [
        `fresh process (${r.fresh.with.length} per variant)`,
        'without, ms',
        'with, ms',
        'added, ms',
      ],
      fields.map(([label, field]) => [
        label,
        ms(med('without', field)),
        ms(med('with', field)),
        ms(med('with', field) - med('without', field)),
      ]),
    ),
    '',
    `Booted again in one process (code loaded; ${r.warm.with.length} boots per variant): ` +
      `\`create\` + \`init\` ${ms(warmWithout)} ms without, ${ms(warmWith)} ms with ` +
      `(${ms(warmWith - warmWithout)} ms added).`,
  ].join('\n');
}

// --- The comparison with the usual alternatives --------------------------------------------------------------

/** Steady-state figures of one client, summed over its segments. */
export function summarizeSteady(segments: SteadySegment[], lifetimeMs: number) {
  let ok = 0;
  let elapsedMs = 0;
  let cpuMicros = 0;
  let tokenRequests = 0;
  let minimum = 0;
  let worstExcess = -Infinity;
  let unauthorized = 0;
  let replays = 0;
  const errors = new Map<string, number>();
  const latencies: number[] = [];
  const near: number[] = [];
  for (const s of segments) {
    ok += s.ok;
    elapsedMs += s.elapsedMs;
    cpuMicros += s.cpuMicros;
    tokenRequests += s.tokenRequests;
    // Each segment starts with no valid token (it expired while the other clients ran).
    const segmentMinimum = Math.ceil(s.spanMs / lifetimeMs);
    minimum += segmentMinimum;
    worstExcess = Math.max(worstExcess, s.tokenRequests - segmentMinimum);
    unauthorized += s.unauthorized;
    replays += s.replays;
    mergeErrors(errors, s.errors);
    for (const v of s.latencies) latencies.push(v);
    for (const v of s.near) near.push(v);
  }
  const sorted = sortedCopy(latencies);
  const nearSorted = sortedCopy(near);
  return {
    rps: ok / (elapsedMs / 1000),
    segmentRps: segments.map((s) => s.ok / (s.elapsedMs / 1000)),
    cpuPerCall: cpuMicros / ok,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : NaN,
    nearP99: percentile(nearSorted, 99),
    nearCount: near.length,
    tokenRequests,
    minimum,
    worstExcess,
    segments: segments.map((s) => s.tokenRequests),
    unauthorized,
    replays,
    errors,
  };
}

export function renderComparison(c: Comparison): { markdown: string; targets: Target[] } {
  const { config } = c;
  const keys = Object.keys(CLIENTS) as ClientKey[];
  const fullKeys = keys.filter((k) => c.cold[k] !== undefined);
  const lifetimeMs = config.lifetimeSeconds * 1000;
  const s = Object.fromEntries(
    keys.map((k) => [k, summarizeSteady(c.steady[k], lifetimeMs)]),
  ) as Record<ClientKey, ReturnType<typeof summarizeSteady>>;
  const cold = (k: ClientKey): ColdRun[] => c.cold[k] ?? [];
  const hotRatio = c.hot.resolveOps / c.hot.cachedOps;
  const markdown = [
    `### Cold start: ${int(config.coldCalls)} concurrent calls, no token held (${config.coldReps} runs per client)`,
    '',
    table(
      [
        'client',
        'token requests (per run)',
        'time to all answered, median',
        '401s, median',
        'errors, median',
      ],
      fullKeys.map((k) => [
        name(k),
        k === 'floor'
          ? '– (fixed token)'
          : cold(k)
              .map((r) => int(r.tokenRequests))
              .join(' / '),
        `${ms(median(cold(k).map((r) => r.elapsedMs)))} ms`,
        int(median(cold(k).map((r) => r.unauthorized))),
        int(median(cold(k).map((r) => sumErrors(r.errors)))),
      ]),
    ),
    '',
    `### Steady state: concurrency ${config.concurrency}, token lifetime ${config.lifetimeSeconds} s, ` +
      `${config.rounds} segments of ${config.segmentMs / 1000} s per client (after ${config.warmupMs} ms warm-up each)`,
    '',
    table(
      [
        'client',
        'req/s (per segment)',
        'client CPU µs per call',
        'p50 ms',
        'p99 ms',
        'max ms',
        `p99 ms ≤ ${config.nearRefreshMs} ms of a token request (calls)`,
        'token requests (per segment)',
        'minimum',
        '401s',
        'replays',
        'errors seen by callers',
      ],
      keys.map((k) => {
        const r = s[k];
        return [
          name(k),
          `${int(r.rps)} (${r.segmentRps.map(int).join(' / ')})`,
          int(r.cpuPerCall),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
          k === 'floor' ? '– (none)' : `${ms(r.nearP99)} (${int(r.nearCount)})`,
          k === 'floor'
            ? '0 (fixed token)'
            : `${int(r.tokenRequests)} (${r.segments.map(int).join(' / ')})`,
          k === 'floor' ? '–' : int(r.minimum),
          int(r.unauthorized),
          int(r.replays),
          errorText(r.errors),
        ];
      }),
    ),
    '',
    `Minimum = Σ ⌈segment span / token lifetime⌉: the fewest tokens that can cover each segment ` +
      `(warm-up included), starting with none.`,
    '',
    '### Hot path',
    '',
    table(
      ['measure', 'value'],
      [
        ['`await auth.getAccessToken()`, token cached', `${int(c.hot.cachedOps)} ops/s`],
        ['`await Promise.resolve(token)`', `${int(c.hot.resolveOps)} ops/s`],
        ['ratio (Promise.resolve / getAccessToken)', `${hotRatio.toFixed(2)}×`],
      ],
    ),
    '',
    `### Memory: each client alone in a fresh process, concurrency ${config.concurrency} for ${config.memoryMs / 1000} s`,
    '',
    table(
      ['client', 'peak RSS MB', 'heap after GC MB'],
      fullKeys.map((k) => {
        const m = c.memory[k];
        return [
          name(k),
          m === undefined ? '–' : mb(m.peakRss),
          m === undefined ? '–' : mb(m.heapAfterGc),
        ];
      }),
    ),
  ].join('\n');

  const m = s.module;
  const targets: Target[] = [
    {
      what: "p99 near token requests ≤ 1.1 × plain axios's p99",
      held: m.nearP99 <= 1.1 * s.floor.p99,
      detail: `${ms(m.nearP99)} ms vs ${ms(s.floor.p99)} ms (${(m.nearP99 / s.floor.p99).toFixed(2)}×)`,
    },
    {
      what: 'token requests ≤ minimum + 1 (in every segment)',
      held: m.worstExcess <= 1,
      detail:
        `${m.segments.join(' / ')} per segment, minimum ${fixed(m.minimum / m.segments.length, 1)} each ` +
        `(refreshAheadRatio 0.85: ${s['module-r085'].segments.join(' / ')})`,
    },
    {
      what: 'cold start: exactly 1 token request',
      held: cold('module').every((r) => r.tokenRequests === 1),
      detail: cold('module')
        .map((r) => r.tokenRequests)
        .join(' / '),
    },
    {
      what: 'zero 401s and zero replays in steady state',
      held: m.unauthorized === 0 && m.replays === 0,
      detail: `${m.unauthorized} 401s, ${m.replays} replays`,
    },
    {
      what: 'cached getAccessToken() within 2× of Promise.resolve',
      held: hotRatio <= 2,
      detail: `${hotRatio.toFixed(2)}×`,
    },
  ];
  return { markdown, targets };
}

export function renderTargets(targets: Target[]): string {
  return targets.map((t) => `- ${t.held ? 'HOLDS ' : 'MISSED'} ${t.what}: ${t.detail}`).join('\n');
}
