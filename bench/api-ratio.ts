// Each API of the module against the floor of its own kind, in one interleaved run, by client CPU time per
// call: `SendfactHttpService` (Observable) against `@nestjs/axios`'s `HttpService` on an axios instance with
// a fixed `Authorization` header, and `SendfactHttpService.axiosRef` (Promise) against plain axios with the
// same fixed header. CPU time of this process (the stand-in runs in another) is what a call costs the app;
// unlike requests per second it does not count the time other processes had the core, which on a shared
// machine is most of the noise.
import os from 'node:os';
import { HttpService } from '@nestjs/axios';
import type { AxiosAdapter } from 'axios';
import { firstValueFrom } from 'rxjs';
import { agentFor, fixedHeaderAxios, startSendfactApp } from './clients.js';
import type { BenchTarget } from './stand-in.js';
import { drive, median, percentileOf, rotate, sumErrors } from './workload.js';

export const API_CLIENTS = {
  'nest-http': '`@nestjs/axios` `HttpService`, fixed-header axios instance',
  observable: '`SendfactHttpService` (Observable)',
  axios: 'plain axios, fixed header',
  promise: '`SendfactHttpService.axiosRef` (Promise)',
} as const;
export type ApiKey = keyof typeof API_CLIENTS;

/** Each module API and the floor it is held against. */
export const API_PAIRS = [
  { subject: 'observable', floor: 'nest-http', name: 'Observable API' },
  { subject: 'promise', floor: 'axios', name: 'Promise API' },
] as const satisfies readonly { subject: ApiKey; floor: ApiKey; name: string }[];

export interface ApiRatioConfig {
  rounds: number;
  /** Calls per measured block (one block per client per round). */
  blockCalls: number;
  concurrency: number;
  /** Unmeasured calls before each block: reopen sockets the idle time may have closed. */
  warmupCalls: number;
  /** Calls per block of the in-memory part (a canned answer instead of the network). */
  memoryBlockCalls: number;
}

export interface ApiBlock {
  cpuMicrosPerCall: number;
  rps: number;
  errors: number;
}

export interface ApiRatioResult<K extends string = ApiKey> {
  config: ApiRatioConfig;
  network: Record<K, ApiBlock[]>;
  /** The same calls answered by an in-memory adapter: what the client code alone costs, per call. */
  inMemory: Record<K, ApiBlock[]>;
  /** One-minute load average, read before every round. */
  load: number[];
  seconds: number;
}

/** One Sendfact call. */
export type Call = () => Promise<unknown>;

/** The token the canned adapter issues. */
const CANNED_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJjYW5uZWQiOnRydWV9.canned-signature-0123456789';

/**
 * A canned answer, so that the in-memory part measures the clients and nothing of sockets or TLS. It is the
 * instance's adapter (the module's token step wraps it, as it wraps the network's), and it answers the token
 * endpoint too, which the module's token request reaches through the same `http.adapter` option.
 */
export const cannedAdapter: AxiosAdapter = (config) =>
  Promise.resolve({
    data: String(config.url).endsWith('/api/auth/token')
      ? JSON.stringify({ access_token: CANNED_TOKEN, token_type: 'JWT', expires_in: '120' })
      : { status: 'ACCEPTED' },
    status: 200,
    statusText: 'OK',
    headers: {},
    config,
    request: {},
  });

export async function measureApis(
  target: BenchTarget,
  config: ApiRatioConfig,
  log: (line: string) => void,
): Promise<ApiRatioResult> {
  const floorAgent = agentFor(target);
  const promiseFloorAgent = agentFor(target);
  // On Nest 11, @nestjs/axios 4 sees axios's CommonJS typings: the same instance, typed twice.
  const nestHttp = new HttpService(
    fixedHeaderAxios(target, floorAgent) as unknown as ConstructorParameters<typeof HttpService>[0],
  );
  const plain = fixedHeaderAxios(target, promiseFloorAgent);
  // One app for both module APIs, as an app has it: `axiosRef` is the service's own instance.
  const sendfact = await startSendfactApp(target);
  const { http } = sendfact;
  // The same clients with the canned adapter as their own: no socket, the same code.
  const cannedPlain = fixedHeaderAxios(target, promiseFloorAgent);
  cannedPlain.defaults.adapter = cannedAdapter;
  const cannedNestHttp = new HttpService(
    cannedPlain as unknown as ConstructorParameters<typeof HttpService>[0],
  );
  const canned = await startSendfactApp(target, { http: { adapter: cannedAdapter } });
  const result = await interleave<ApiKey>(
    {
      'nest-http': () => firstValueFrom(nestHttp.get(target.path)),
      observable: () => firstValueFrom(http.get(target.path)),
      axios: () => plain.get(target.path),
      promise: () => http.axiosRef.get(target.path),
    },
    {
      'nest-http': () => firstValueFrom(cannedNestHttp.get(target.path)),
      observable: () => firstValueFrom(canned.http.get(target.path)),
      axios: () => cannedPlain.get(target.path),
      promise: () => canned.http.axiosRef.get(target.path),
    },
    config,
    log,
  );
  await sendfact.close();
  await canned.close();
  floorAgent.destroy();
  promiseFloorAgent.destroy();
  return result;
}

/**
 * Runs every call in blocks, interleaved: in each round one block per call over the network, then one of
 * its twin on the canned adapter (`inMemory`), in an order rotated (and reversed every other round) so that
 * each runs in every position and after every other.
 */
export async function interleave<K extends string>(
  calls: Record<K, Call>,
  inMemoryCalls: Record<K, Call>,
  config: ApiRatioConfig,
  log: (line: string) => void,
): Promise<ApiRatioResult<K>> {
  const start = performance.now();
  const keys = Object.keys(calls) as K[];
  const gc = (globalThis as { gc?: () => void }).gc;

  const run = async (key: K, blockCalls: number, inMemory: boolean): Promise<ApiBlock> => {
    const client = { call: inMemory ? inMemoryCalls[key] : calls[key] };
    // Each block starts with a collected heap, so that no client pays for the garbage of the one before.
    gc?.();
    await drive(client, {
      concurrency: config.concurrency,
      calls: config.warmupCalls,
      record: false,
    });
    const cpu0 = process.cpuUsage();
    const result = await drive(client, {
      concurrency: config.concurrency,
      calls: blockCalls,
      record: false,
    });
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, result.ok),
      rps: result.ok / (result.elapsedMs / 1000),
      errors: sumErrors(result.errors),
    };
  };

  const empty = (): Record<K, ApiBlock[]> =>
    Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, ApiBlock[]>;
  const network = empty();
  const inMemory = empty();
  const load: number[] = [];
  // Warm-up: every code path compiled before anything counts.
  for (const key of keys) await run(key, config.blockCalls, false);
  for (const key of keys) await run(key, config.memoryBlockCalls, true);
  for (let round = 0; round < config.rounds; round++) {
    load.push(os.loadavg()[0] ?? NaN);
    const order = rotate(keys, round);
    if (round % 2 === 1) order.reverse();
    for (const key of order) network[key].push(await run(key, config.blockCalls, false));
    for (const key of order) inMemory[key].push(await run(key, config.memoryBlockCalls, true));
    if (round % 5 === 4 || round === config.rounds - 1) {
      const cpu = keys.map(
        (k) => `${k} ${median(network[k].map((b) => b.cpuMicrosPerCall)).toFixed(0)}`,
      );
      log(
        `  round ${round + 1}/${config.rounds}: CPU µs per call, median so far: ${cpu.join(', ')}`,
      );
    }
  }
  return { config, network, inMemory, load, seconds: (performance.now() - start) / 1000 };
}

/** Per round, floor CPU per call / subject CPU per call: ≥ 1 when the module costs no more than its floor. */
export function roundRatios<K extends string>(
  blocks: Record<K, ApiBlock[]>,
  subject: K,
  floor: K,
  field: 'cpuMicrosPerCall' | 'rps' = 'cpuMicrosPerCall',
): number[] {
  return blocks[subject].map((s, i) => {
    const f = blocks[floor][i] as ApiBlock;
    return field === 'rps' ? s.rps / f.rps : f.cpuMicrosPerCall / s.cpuMicrosPerCall;
  });
}

/** Median and spread of a few figures. */
export function spread(values: number[]): {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
} {
  return {
    median: median(values),
    p25: percentileOf(values, 25),
    p75: percentileOf(values, 75),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
