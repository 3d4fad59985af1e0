// The chart of docs/BENCHMARKS.md, drawn by vega-lite from the run's own samples and rendered headless to SVG.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CLIENTS, type ClientKey } from './clients.js';
import { summarizeSteady, type ComparisonConfig, type SteadySegment } from './report.js';
import { percentile, sortedCopy } from './workload.js';

const STEP_MS = 100;

interface TokenPoint {
  client: string;
  seconds: number;
  tokens: number;
}
interface LatencyPoint {
  client: string;
  measure: string;
  ms: number;
}

/** Cumulative token requests over each client's steady time (its segments laid end to end). */
function tokenSeries(key: ClientKey, segments: SteadySegment[]): TokenPoint[] {
  const points: TokenPoint[] = [];
  let offsetMs = 0;
  let count = 0;
  for (const segment of segments) {
    const times = segment.tokenTimes;
    let i = 0;
    for (let t = 0; t <= segment.spanMs; t += STEP_MS) {
      while (i < times.length && (times[i] as number) - segment.spanStart <= t) i++;
      points.push({ client: CLIENTS[key].name, seconds: (offsetMs + t) / 1000, tokens: count + i });
    }
    count += times.length;
    offsetMs += segment.spanMs;
  }
  return points;
}

export async function renderChart(
  steady: Record<ClientKey, SteadySegment[]>,
  config: ComparisonConfig,
): Promise<string> {
  const keys = Object.keys(CLIENTS) as ClientKey[];
  const names = keys.map((k) => CLIENTS[k].name);
  const tokens = keys.flatMap((k) => tokenSeries(k, steady[k]));
  const latency = keys.flatMap((k) => {
    const summary = summarizeSteady(steady[k], config.lifetimeSeconds * 1000);
    const all = sortedCopy(steady[k].flatMap((s) => s.latencies));
    const rows: LatencyPoint[] = [
      { client: CLIENTS[k].name, measure: 'p50', ms: percentile(all, 50) },
      { client: CLIENTS[k].name, measure: 'p99', ms: percentile(all, 99) },
    ];
    if (k !== 'floor') {
      rows.push({
        client: CLIENTS[k].name,
        measure: `p99 ≤ ${config.nearRefreshMs} ms of a token request`,
        ms: summary.nearP99,
      });
    }
    return rows;
  });
  return svgOf(chartSpec(tokens, latency, names, config));
}

/** The vega-lite spec: token requests over time (left), latency percentiles per client (right). */
function chartSpec(
  tokens: TokenPoint[],
  latency: LatencyPoint[],
  names: string[],
  config: ComparisonConfig,
): TopLevelSpec {
  const legend = { orient: 'bottom', columns: 2, labelLimit: 0, title: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { font: 'sans-serif' },
    title: {
      text: `A Sendfact call on loopback (TLS), concurrency ${config.concurrency}, token lifetime ${config.lifetimeSeconds} s`,
      subtitle: `${config.rounds} interleaved segments of ${config.segmentMs / 1000} s per client`,
    },
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Token requests over steady-state time (cumulative)',
        width: 420,
        height: 300,
        data: { values: tokens },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'seconds', type: 'quantitative', title: 'seconds of steady state' },
          y: {
            field: 'tokens',
            type: 'quantitative',
            scale: { type: 'symlog' },
            axis: { values: [0, 1, 2, 5, 10, 20, 50, 100, 1000, 10000, 100000] },
            title: 'token requests (symlog scale)',
          },
          color: { field: 'client', type: 'nominal', sort: names, legend },
        },
      },
      {
        title: 'Latency per client, steady state (log scale)',
        width: 420,
        height: 300,
        data: { values: latency },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          y: {
            field: 'client',
            type: 'nominal',
            sort: names,
            title: null,
            axis: { labelLimit: 0 },
          },
          x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'milliseconds' },
          color: {
            field: 'measure',
            type: 'nominal',
            sort: null,
            scale: { range: ['#9ecae1', '#3182bd', '#e6550d'] },
            legend,
          },
          shape: { field: 'measure', type: 'nominal', sort: null, legend: null },
        },
      },
    ],
  };
}

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
