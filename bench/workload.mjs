// Load generation and the arithmetic on its samples. Times are epoch milliseconds
// (`performance.timeOrigin + performance.now()`), so they compare with the stand-in's, taken in another process.

export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Keeps `concurrency` calls in flight until `durationMs` has passed (calls started before then finish).
 * With `record`, keeps each successful call's start time and latency.
 */
export async function drive(client, { concurrency, durationMs, record = true }) {
  const starts = [];
  const latencies = [];
  const errors = new Map();
  let ok = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        await client.call();
        ok++;
        if (record) {
          latencies.push(performance.now() - start);
          starts.push(performance.timeOrigin + start);
        }
      } catch (error) {
        const kind = describeError(error);
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  return { ok, errors, elapsedMs, starts, latencies };
}

/** Fires `count` calls at once; resolves when all have answered. */
export async function burst(client, count) {
  const errors = new Map();
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, () => client.call()));
  const elapsedMs = performance.now() - t0;
  for (const result of results) {
    if (result.status === 'rejected') {
      const kind = describeError(result.reason);
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    }
  }
  return { elapsedMs, errors };
}

export function describeError(error) {
  const status = error?.response?.status;
  if (typeof status === 'number') return `HTTP ${status}`;
  if (typeof error?.code === 'string') return error.code;
  return String(error?.message ?? error).slice(0, 60);
}

export function sumErrors(errors) {
  let total = 0;
  for (const n of errors.values()) total += n;
  return total;
}

export function mergeErrors(into, from) {
  for (const [kind, n] of from) into.set(kind, (into.get(kind) ?? 0) + n);
  return into;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function sortedCopy(values) {
  return Float64Array.from(values).toSorted();
}

/** Latencies of the calls that started within `windowMs` of a token request (`tokenTimes` sorted). */
export function latenciesNear(starts, latencies, tokenTimes, windowMs) {
  const near = [];
  if (tokenTimes.length === 0) return near;
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i];
    // Binary search for the first token request at or after t - windowMs.
    let lo = 0;
    let hi = tokenTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tokenTimes[mid] < t - windowMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo < tokenTimes.length && tokenTimes[lo] <= t + windowMs) near.push(latencies[i]);
  }
  return near;
}

/** Median of a few numbers. */
export function median(values) {
  const s = [...values].toSorted((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
