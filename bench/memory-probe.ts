// Runs one client alone in a fresh process (started by bench/run.ts with --expose-gc) and reports its peak
// RSS and its heap after GC: memory cannot be told apart per client inside one shared process.
import { CLIENTS, type ClientKey } from './clients.js';
import type { BenchTarget } from './stand-in.js';
import { drive } from './workload.js';

export interface MemoryProbeInput {
  key: ClientKey;
  target: BenchTarget;
  concurrency: number;
  durationMs: number;
}

export interface MemorySample {
  key: ClientKey;
  peakRss: number;
  heapAfterGc: number;
  calls: number;
}

const { key, target, concurrency, durationMs } = JSON.parse(
  process.env['BENCH_PROBE'] ?? '{}',
) as MemoryProbeInput;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10);

const client = await CLIENTS[key].create(target);
const result = await drive(client, { concurrency, durationMs, record: false });
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);

// The client is still alive (token held, sockets open): this is what it keeps, not what it churns.
for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}
const sample: MemorySample = {
  key,
  peakRss,
  heapAfterGc: process.memoryUsage().heapUsed,
  calls: result.ok,
};
process.send?.(sample);
await client.close();
process.disconnect?.();
