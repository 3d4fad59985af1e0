// Load generation and the arithmetic on its samples. Times are epoch milliseconds
// (`performance.timeOrigin + performance.now()`), so they compare with the stand-in's, taken in another process.

/** One way of making the Sendfact call; rejects on anything but a 2xx answer. */
export interface Caller {
  call(): Promise<unknown>;
}

export interface DriveOptions {
  concurrency: number;
  /** Stop starting calls after this long... */
  durationMs?: number;
  /** ...or after this many calls (whichever comes first). */
  calls?: number;
  /** Keep each successful call's start time and latency. Default true. */
  record?: boolean;
}

export interface DriveResult {
  ok: number;
  errors: Map<string, number>;
  elapsedMs: number;
  starts: number[];
  latencies: number[];
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Keeps `concurrency` calls in flight until the duration or the call count is reached; started calls finish. */
export async function drive(
  client: Caller,
  { concurrency, durationMs = Infinity, calls = Infinity, record = true }: DriveOptions,
): Promise<DriveResult> {
  const starts: number[] = [];
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let ok = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const worker = async (): Promise<void> => {
    while (started < calls && performance.now() < deadline) {
      started++;
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
  return { ok, errors, elapsedMs: performance.now() - t0, starts, latencies };
}

/** Fires `count` calls at once; resolves when all have answered. */
export async function burst(
  client: Caller,
  count: number,
): Promise<{ elapsedMs: number; errors: Map<string, number> }> {
  const errors = new Map<string, number>();
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

export function describeError(error: unknown): string {
  const e = error as { response?: { status?: unknown }; code?: unknown; message?: unknown } | null;
  const status = e?.response?.status;
  if (typeof status === 'number') return `HTTP ${status}`;
  if (typeof e?.code === 'string') return e.code;
  return String(e?.message ?? error).slice(0, 60);
}

export function sumErrors(errors: Map<string, number>): number {
  let total = 0;
  for (const n of errors.values()) total += n;
  return total;
}

export function mergeErrors(
  into: Map<string, number>,
  from: Map<string, number>,
): Map<string, number> {
  for (const [kind, n] of from) into.set(kind, (into.get(kind) ?? 0) + n);
  return into;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export function sortedCopy(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Median of a few numbers. */
export function median(values: Iterable<number>): number {
  return percentileOf(values, 50);
}

/** The p-th percentile, interpolated (for the spread of a few per-round figures). */
export function percentileOf(values: Iterable<number>, p: number): number {
  const s = sortedCopy(values);
  if (s.length === 0) return NaN;
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
}

export function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total / values.length;
}

/** Latencies of the calls that started within `windowMs` of a token request (`tokenTimes` sorted). */
export function latenciesNear(
  starts: number[],
  latencies: number[],
  tokenTimes: Float64Array,
  windowMs: number,
): number[] {
  const near: number[] = [];
  if (tokenTimes.length === 0) return near;
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i] as number;
    // Binary search for the first token request at or after t - windowMs.
    let lo = 0;
    let hi = tokenTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((tokenTimes[mid] as number) < t - windowMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo < tokenTimes.length && (tokenTimes[lo] as number) <= t + windowMs)
      near.push(latencies[i] as number);
  }
  return near;
}

/** The list turned by `by` places: the order of the clients changes from round to round. */
export const rotate = <T>(list: readonly T[], by: number): T[] =>
  list.map((_, i) => list[(i + by) % list.length] as T);
