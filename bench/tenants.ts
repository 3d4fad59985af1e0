// Many tenants at a cold start: what deriving store keys costs, and what N companies calling at once cost one
// replica with the in-memory store, with Redis and a key secret, and with Redis without one (scrypt).
//
//   npm run bench:tenants                                  # both phases; results in bench-results/tenants.md
//   npm run bench:tenants -- --update-docs                 # the same, written into docs/BENCHMARKS.md
//   npm run bench:tenants -- --only derive                 # a phase: derive, tenants
//   npm run bench:tenants -- --accounts 1000 --modes memory,secret
//
// derive: 100 scrypt derivations with the module's parameters (N = 2^14, r = 8, p = 1, 64 bytes, as
// lib/store/token-key.derivation.ts), k at a time for k = 1 to 4, on libuv's default pool of 4 threads, while
// the event loop's lateness and `dns.lookup('localhost')` (which needs a pool thread) are sampled.
//
// tenants: one replica (a Nest application context from the built package) with a `credentialsResolver`
// answering from a map, against the stand-in in a child process (Sendfact's 120 s tokens) and a real Redis.
// All N companies call `getAccessToken` once at the same time (the cold start), then once more.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes, scrypt } from 'node:crypto';
import { loadavg } from 'node:os';
import { lookup } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { RedisTokenStore } from 'nestjs-sendfact-auth/redis';
import type { StandInStats } from 'nestjs-sendfact-auth/testing';
import { int, machineLine, ms, table } from './markdown.js';
import { outputFor } from './output.js';
import { startRedis, type BenchRedis } from './redis-server.js';
import type { TenantsStandInRequest } from './tenants-stand-in.js';
import { describeError, percentile, sortedCopy } from './workload.js';

const { values: args } = parseArgs({
  options: {
    'update-docs': { type: 'boolean', default: false },
    only: { type: 'string', default: 'derive,tenants' },
    accounts: { type: 'string', default: '1000,3000,10000' },
    modes: { type: 'string', default: 'memory,secret,scrypt' },
  },
});
const phases = new Set(args.only.split(','));
const ACCOUNTS = args.accounts.split(',').map(Number);
const MODES = args.modes.split(',') as Mode[];
/** Sendfact's token lifetime. */
const LIFETIME_S = 120;
const DERIVATIONS = 100;
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 32 * 1024 * 1024 } as const;

type Mode = 'memory' | 'secret' | 'scrypt';
const MODE_NAMES: Record<Mode, string> = {
  memory: 'in memory (`InMemoryTokenStore`)',
  secret: 'Redis with `keySecret`',
  scrypt: 'Redis without `keySecret` (scrypt)',
};

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));
const login = (i: number) => ({
  username: `USER2${String(i).padStart(10, '0')}`,
  password: `pw-${i}-${randomBytes(4).toString('hex')}`,
});
if (typeof (globalThis as { gc?: unknown }).gc !== 'function')
  throw new Error('run with node --expose-gc');
const gc = (globalThis as unknown as { gc: () => void }).gc;

/** The event loop's lateness on a 5 ms timer, and, if asked, `dns.lookup('localhost')` every 10 ms. */
function sample(withDns: boolean): () => Promise<{ loop: number[]; dns: number[] }> {
  const loop: number[] = [];
  const dns: number[] = [];
  const state = { on: true };
  const tick = () => {
    const due = performance.now() + 5;
    setTimeout(() => {
      loop.push(performance.now() - due);
      if (state.on) tick();
    }, 5);
  };
  tick();
  const lookups = (async () => {
    if (!withDns) return;
    while (state.on) {
      const start = performance.now();
      await lookup('localhost');
      dns.push(performance.now() - start);
      await sleep(10);
    }
  })();
  return async () => {
    state.on = false;
    await lookups;
    return { loop, dns };
  };
}

const derive = (i: number) =>
  new Promise<void>((resolve, reject) =>
    scrypt(JSON.stringify(['https://bench', `u${i}`, 'p']), 'salt', 64, SCRYPT, (error) =>
      error === null ? resolve() : reject(error),
    ),
  );

/** p50 / p99 / max of some samples, in ms. */
function spread(values: number[]): string {
  const s = sortedCopy(values);
  return `${ms(percentile(s, 50))} / ${ms(percentile(s, 99))} / ${ms(s[s.length - 1] ?? NaN)}`;
}

async function derivePhase(): Promise<string> {
  const levels = [1, 2, 3, 4];
  // Two passes, up then down, so that drift of the machine falls on every level alike.
  const passes = [...levels, ...levels.toReversed()];
  const runs = new Map<number, { wallMs: number; cpuMs: number; loop: number[]; dns: number[] }>();
  const loads: number[] = [];
  const stopIdle = sample(true);
  await sleep(3_000);
  const idle = await stopIdle();
  for (const k of passes) {
    log(`derive: ${DERIVATIONS} scrypt derivations, ${k} at a time`);
    const stop = sample(true);
    const cpu = process.cpuUsage();
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: k }, async () => {
        while (next < DERIVATIONS) await derive(next++);
      }),
    );
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    loads.push(loadavg()[0]!);
    const { loop, dns } = await stop();
    const run = runs.get(k) ?? { wallMs: 0, cpuMs: 0, loop: [], dns: [] };
    run.wallMs += wallMs;
    run.cpuMs += (used.user + used.system) / 1000;
    run.loop.push(...loop);
    run.dns.push(...dns);
    runs.set(k, run);
  }
  const rows = [
    ['none (idle)', '–', '–', spread(idle.loop), spread(idle.dns), int(idle.dns.length)],
    ...levels.map((k) => {
      const run = runs.get(k)!;
      const passesOf = passes.filter((p) => p === k).length;
      return [
        String(k),
        (((DERIVATIONS * passesOf) / run.wallMs) * 1000).toFixed(1),
        ms(run.cpuMs / (DERIVATIONS * passesOf)),
        spread(run.loop),
        spread(run.dns),
        int(run.dns.length),
      ];
    }),
  ];
  return [
    `${DERIVATIONS} scrypt derivations (N = 2^14, r = 8, p = 1) per pass, two passes per level; libuv's pool at its default 4 threads. One-minute load average after each pass: ${loads.map((l) => l.toFixed(1)).join(', ')}.`,
    '',
    table(
      [
        'derivations at once',
        'derivations / s',
        'process CPU ms per derivation',
        'event loop lateness, ms: p50 / p99 / max',
        "`dns.lookup('localhost')`, ms: p50 / p99 / max",
        'lookups',
      ],
      rows,
    ),
  ].join('\n');
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The stand-in child (bench/tenants-stand-in.ts), accepting `logins`. */
async function startStandIn(logins: { username: string; password: string }[]) {
  const child = fork(new URL('./tenants-stand-in.js', import.meta.url));
  let rpcId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) waiter?.resolve(m.value);
    else waiter?.reject(new Error(m.error));
  });
  const rpc = <T>(request: WithoutId<TenantsStandInRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++rpcId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  const url = await rpc<string>({ op: 'start', logins, lifetime: LIFETIME_S });
  return {
    url,
    stats: () => rpc<StandInStats>({ op: 'stats' }),
    reset: () => rpc<null>({ op: 'reset' }),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await rpc({ op: 'close' });
      await exited;
    },
  };
}

interface Round {
  wallMs: number;
  /** CPU time of this process (all its threads, the thread pool's scrypts among them). */
  cpuMs: number;
  waits: Float64Array;
  /** When each company's call settled, ms after the round started. */
  settledAt: Float64Array;
  errors: Map<string, number>;
  tokenRequests: number;
  loopMaxMs: number;
}

/** Every company calls once, all at the same time. */
async function round(
  auth: SendfactAuthService,
  ids: string[],
  tokenRequests: () => Promise<number>,
): Promise<Round> {
  const before = await tokenRequests();
  const stop = sample(false);
  const waits = new Float64Array(ids.length);
  const settledAt = new Float64Array(ids.length);
  const errors = new Map<string, number>();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    ids.map(async (id, i) => {
      const called = performance.now();
      try {
        await auth.getAccessToken(id);
      } catch (error) {
        const kind = describeError(error);
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
      const now = performance.now();
      waits[i] = now - called;
      settledAt[i] = now - start;
    }),
  );
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const { loop } = await stop();
  return {
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    waits: waits.toSorted(),
    settledAt,
    errors,
    tokenRequests: (await tokenRequests()) - before,
    loopMaxMs: loop.reduce((most, late) => Math.max(most, late), 0),
  };
}

interface TenantsRun {
  mode: Mode;
  accounts: number;
  cold: Round;
  warm: Round;
  heapPerAccount: number;
  /** Companies whose first token had lived its 120 s before the last company got one. */
  expiredBeforeEnd: number;
  /** One-minute load average at the start and at the end of the cold start. */
  load: [number, number];
}

async function tenants(
  standIn: Awaited<ReturnType<typeof startStandIn>>,
  redis: BenchRedis,
  logins: Map<string, { username: string; password: string }>,
  mode: Mode,
  accounts: number,
): Promise<TenantsRun> {
  const ids = [...logins.keys()].slice(0, accounts);
  const tokenStore =
    mode === 'memory'
      ? undefined
      : new RedisTokenStore({
          url: redis.url,
          // A prefix per run: no run finds another's tokens.
          keyPrefix: `bench:tenants:${mode}:${accounts}:${Date.now()}:`,
          ...(mode === 'secret' ? { keySecret: randomBytes(32) } : {}),
        });
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: standIn.url,
        credentialsResolver: (id: string) => logins.get(id),
        ...(tokenStore === undefined ? {} : { tokenStore }),
      }),
    ],
  })
  class TenantsModule {}
  const app = await NestFactory.createApplicationContext(TenantsModule, { logger: false });
  const auth = app.get(SendfactAuthService);
  await standIn.reset();
  const tokenRequests = async () => (await standIn.stats()).tokenRequests;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const loadBefore = loadavg()[0]!;
  const cold = await round(auth, ids, tokenRequests);
  const load: [number, number] = [loadBefore, loadavg()[0]!];
  const warm = await round(auth, ids, tokenRequests);
  gc();
  const heapPerAccount = (process.memoryUsage().heapUsed - heapBefore) / accounts;
  await app.close();
  let expiredBeforeEnd = 0;
  for (const at of cold.settledAt) if (cold.wallMs - at >= LIFETIME_S * 1000) expiredBeforeEnd++;
  return { mode, accounts, cold, warm, heapPerAccount, expiredBeforeEnd, load };
}

/** What went wrong in a round, by kind. */
function errorsOf(r: Round): string {
  if (r.errors.size === 0) return '0';
  return [...r.errors].map(([kind, n]) => `${int(n)} ${kind}`).join(', ');
}

function tenantsTable(runs: TenantsRun[]): string {
  const rows = runs.map((r) => [
    MODE_NAMES[r.mode],
    int(r.accounts),
    ms(r.cold.wallMs / 1000),
    `${ms(percentile(r.cold.waits, 50))} / ${ms(percentile(r.cold.waits, 99))}`,
    int(r.cold.tokenRequests),
    `${ms(r.cold.cpuMs / 1000)} (${ms(r.cold.cpuMs / r.accounts)} ms)`,
    ms(r.cold.loopMaxMs),
    `${ms(r.warm.wallMs)} ms, ${ms(percentile(r.warm.waits, 50))} / ${ms(percentile(r.warm.waits, 99))}`,
    int(r.warm.tokenRequests),
    int(r.heapPerAccount),
    r.expiredBeforeEnd === 0 ? 'none' : `${int(r.expiredBeforeEnd)} of ${int(r.accounts)}`,
    `${errorsOf(r.cold)}; ${errorsOf(r.warm)}`,
    `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`,
  ]);
  return table(
    [
      'store',
      'companies',
      'cold start, s',
      'a caller waits, ms: p50 / p99',
      'token requests',
      'process CPU, s (per account, ms)',
      'event loop lateness max, ms',
      'again: wall; wait p50 / p99 ms',
      'token requests again',
      'heap per account after GC, bytes',
      'first tokens older than 120 s when the cold start ended',
      'errors (cold; again)',
      'load average',
    ],
    rows,
  );
}

const output = outputFor(args['update-docs']);
const parts = [machineLine(), ''];
if (phases.has('derive'))
  parts.push('#### Deriving store keys with scrypt', '', await derivePhase(), '');
if (phases.has('tenants')) {
  const most = Math.max(...ACCOUNTS);
  const logins = new Map(Array.from({ length: most }, (_, i) => [`c${i}`, login(i)] as const));
  const standIn = await startStandIn([...logins.values()]);
  const redis = await startRedis();
  const runs: TenantsRun[] = [];
  for (const accounts of ACCOUNTS) {
    for (const mode of MODES) {
      log(`tenants: ${accounts} companies, ${mode}`);
      const run = await tenants(standIn, redis, logins, mode, accounts);
      log(`  cold start ${ms(run.cold.wallMs / 1000)} s, ${run.cold.tokenRequests} token requests`);
      runs.push(run);
    }
  }
  await standIn.close();
  await redis.stop();
  parts.push(
    `#### ${int(most)} companies at most, one replica, ${LIFETIME_S} s tokens`,
    '',
    `Each company calls \`getAccessToken\` once, all at the same time (the cold start), then once more; module defaults otherwise (32 token requests in flight at most).`,
    '',
    tenantsTable(runs),
  );
}
const markdown = parts.join('\n');
process.stdout.write(`\n${markdown}\n`);
await output.block('tenants', markdown);
