// Runs one client alone in a fresh process (started by run.mjs with --expose-gc) and reports its peak RSS
// and its heap after GC: memory cannot be told apart per client inside one shared process.
import { createClient } from './clients.mjs';
import { drive } from './workload.mjs';

const { key, target, concurrency, durationMs } = JSON.parse(process.env.BENCH_PROBE);

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10);

const client = await createClient(key, target);
const result = await drive(client, { concurrency, durationMs, record: false });
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);

// The client is still alive (token held, sockets open): this is what it keeps, not what it churns.
for (let i = 0; i < 3; i++) {
  globalThis.gc();
  await new Promise((resolve) => setImmediate(resolve));
}
const heapAfterGc = process.memoryUsage().heapUsed;
process.send({ key, peakRss, heapAfterGc, calls: result.ok });
await client.close();
process.disconnect();
