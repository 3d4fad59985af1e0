// Turns the raw samples into the tables (Markdown, readable in a terminal too) and checks the targets.
import { CLIENTS } from './clients.mjs';
import { median, mergeErrors, percentile, sortedCopy, sumErrors } from './workload.mjs';

const ms = (v) =>
  Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v));
const int = (v) => Math.round(v).toLocaleString('en-US');
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

const line = (cells) => `| ${cells.join(' | ')} |`;
const name = (key) => CLIENTS[key].name;

function table(head, rows) {
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function errorText(errors) {
  const total = sumErrors(errors);
  if (total === 0) return '0';
  const kinds = [...errors].toSorted((a, b) => b[1] - a[1]).map(([k, n]) => `${int(n)} ${k}`);
  return `${int(total)} (${kinds.slice(0, 2).join(', ')})`;
}

/** Steady-state figures of one client, summed over its segments. */
export function summarizeSteady(segments, lifetimeMs) {
  let ok = 0;
  let elapsedMs = 0;
  let cpuMicros = 0;
  let tokenRequests = 0;
  let minimum = 0;
  let worstExcess = -Infinity;
  let unauthorized = 0;
  let replays = 0;
  const errors = new Map();
  const latencies = [];
  const near = [];
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
    seconds: elapsedMs / 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
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

export function renderReport({ config, machine, totalSeconds, cold, steady, serial, hot, memory }) {
  const keys = Object.keys(CLIENTS);
  const fullKeys = keys.filter((k) => !CLIENTS[k].steadyOnly);
  const lifetimeMs = config.lifetimeSeconds * 1000;
  const s = Object.fromEntries(keys.map((k) => [k, summarizeSteady(steady[k], lifetimeMs)]));
  const floor = s.floor;
  const out = [];

  out.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.platform}. ` +
      `Whole run: ${Math.round(totalSeconds)} s.`,
    '',
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
      fullKeys.map((k) => {
        const runs = cold[k];
        return [
          name(k),
          k === 'floor' ? '– (fixed token)' : runs.map((r) => int(r.tokenRequests)).join(' / '),
          `${ms(median(runs.map((r) => r.elapsedMs)))} ms`,
          int(median(runs.map((r) => r.unauthorized))),
          int(median(runs.map((r) => sumErrors(r.errors)))),
        ];
      }),
    ),
    '',
    `### Steady state: concurrency ${config.concurrency}, token lifetime ${config.lifetimeSeconds} s, ` +
      `${config.rounds} segments of ${config.segmentMs / 1000} s per client (after ${config.warmupMs} ms warm-up each)`,
    '',
    table(
      [
        'client',
        'req/s (per segment)',
        '× floor',
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
          (r.rps / floor.rps).toFixed(3),
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
  );

  const serialFloor = mean(serial.floor);
  const serialModule = mean(serial.module);
  const hotRatio = hot.resolveOps / hot.cachedOps;
  out.push(
    '### Hot path',
    '',
    table(
      ['measure', 'value'],
      [
        ['`await auth.getAccessToken()`, token cached', `${int(hot.cachedOps)} ops/s`],
        ['`await Promise.resolve(token)`', `${int(hot.resolveOps)} ops/s`],
        ['ratio (Promise.resolve / getAccessToken)', `${hotRatio.toFixed(2)}×`],
        [
          "interceptor's request hook, called directly (token held)",
          `${Math.round(hot.interceptorNs)} ns per request`,
        ],
        [
          'mean latency at concurrency 1: floor / this module',
          `${(serialFloor * 1000).toFixed(0)} µs / ${(serialModule * 1000).toFixed(0)} µs ` +
            `(${((serialModule - serialFloor) * 1000).toFixed(0)} µs added, ` +
            `${int(serial.floor.length)} / ${int(serial.module.length)} calls)`,
        ],
      ],
    ),
    '',
    '### Memory: each client alone in a fresh process, ' +
      `concurrency ${config.concurrency} for ${config.memoryMs / 1000} s`,
    '',
    table(
      ['client', 'peak RSS MB', 'heap after GC MB'],
      fullKeys.map((k) => [name(k), mb(memory[k].peakRss), mb(memory[k].heapAfterGc)]),
    ),
    '',
  );

  const m = s.module;
  const targets = [
    [
      'steady-state throughput ≥ 0.97 × floor',
      m.rps >= 0.97 * floor.rps,
      `${(m.rps / floor.rps).toFixed(3)} × floor (client CPU per call ${int(m.cpuPerCall)} µs vs ${int(floor.cpuPerCall)} µs)`,
    ],
    [
      "p99 near token requests ≤ 1.1 × the floor's p99",
      m.nearP99 <= 1.1 * floor.p99,
      `${ms(m.nearP99)} ms vs ${ms(floor.p99)} ms (${(m.nearP99 / floor.p99).toFixed(2)}×)`,
    ],
    [
      'token requests ≤ minimum + 1 (in every segment)',
      m.worstExcess <= 1,
      `${m.segments.join(' / ')} per segment, minimum ${m.minimum / m.segments.length} each ` +
        `(refreshAheadRatio 0.85: ${s['module-r085'].segments.join(' / ')})`,
    ],
    [
      'cold start: exactly 1 token request',
      cold.module.every((r) => r.tokenRequests === 1),
      cold.module.map((r) => r.tokenRequests).join(' / '),
    ],
    [
      'zero 401s and zero replays in steady state',
      m.unauthorized === 0 && m.replays === 0,
      `${m.unauthorized} 401s, ${m.replays} replays`,
    ],
    [
      'cached getAccessToken() within 2× of Promise.resolve',
      hotRatio <= 2,
      `${hotRatio.toFixed(2)}×`,
    ],
  ];
  const targetLines = targets.map(
    ([what, held, detail]) => `- ${held ? 'HOLDS ' : 'MISSED'} ${what}: ${detail}`,
  );
  const markdown = [...out, '### Targets (this module, default settings)', '', ...targetLines].join(
    '\n',
  );
  return {
    markdown,
    text: `${markdown}\n`,
    targetsHeld: targets.every(([, held]) => held),
  };
}

function mean(values) {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}
