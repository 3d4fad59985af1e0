/**
 * Soak: many requests through SendfactHttpService at high concurrency against the stand-in, with tokens that
 * live a few seconds, so the module refreshes dozens of times under load. Prints its figures as JSON and
 * exits non-zero when a rule is broken. Run with `npm run soak` (needs `node --expose-gc`).
 *
 * Knobs (environment): SOAK_REQUESTS (minimum, default 100000), SOAK_SECONDS (minimum, default 30),
 * SOAK_CONCURRENCY (64), SOAK_TOKEN_SECONDS (3), SOAK_MAX_SECONDS (240), SOAK_HEAP_BOUND_MB (16).
 */
import { Agent } from 'node:http';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import { SendfactAuthModule, SendfactAuthService, SendfactHttpService } from '../../lib/index.js';
import { STAND_IN_DEFAULT_ACCOUNT, startSendfactStandIn } from '../../lib/testing/index.js';

const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MIN_REQUESTS = knob('SOAK_REQUESTS', 100_000);
const MIN_SECONDS = knob('SOAK_SECONDS', 30);
const CONCURRENCY = knob('SOAK_CONCURRENCY', 64);
const TOKEN_SECONDS = knob('SOAK_TOKEN_SECONDS', 3);
const MAX_SECONDS = knob('SOAK_MAX_SECONDS', 240);
const HEAP_BOUND_MB = knob('SOAK_HEAP_BOUND_MB', 16);
const WARM_UP_REQUESTS = 2_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('Run with node --expose-gc (npm run soak does).');
  process.exit(2);
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const standIn = await startSendfactStandIn({
    tokenLifetimeSeconds: TOKEN_SECONDS,
    logLimit: 1_000,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // oxlint-disable-next-line typescript/no-extraneous-class -- decorated just below
  class SoakModule {}
  Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: standIn.url,
        username: STAND_IN_DEFAULT_ACCOUNT.username,
        password: STAND_IN_DEFAULT_ACCOUNT.password,
        http: { httpAgent: agent, timeout: 30_000 },
      }),
    ],
  })(SoakModule);
  const app = await NestFactory.createApplicationContext(SoakModule, { logger: ['error'] });
  const http = app.get(SendfactHttpService);
  const auth = app.get(SendfactAuthService);

  const fileName = '20515809822-01-F001-1';
  await firstValueFrom(
    http.post('/api/cpe/send', {
      file_name: fileName,
      file_content: Buffer.from('<?xml version="1.0"?><Invoice/>').toString('base64'),
    }),
  );
  const path = `/api/cpe/${fileName}/status`;

  let issued = 0;
  let ok = 0;
  let unauthorizedToCallers = 0;
  let otherErrors = 0;
  const errorKinds = new Map<string, number>();
  let stop = false;
  let heapStart = 0;
  let startedAt = 0;
  let warmedUp: () => void;
  const warm = new Promise<void>((resolve) => (warmedUp = resolve));

  const worker = async () => {
    // oxlint-disable-next-line eslint/no-unmodified-loop-condition -- set by the run's timer
    while (!stop) {
      issued++;
      try {
        const response = await firstValueFrom(http.get(path));
        if (response.status === 200) ok++;
        else otherErrors++;
      } catch (error) {
        const status = (error as { response?: { status?: number } }).response?.status;
        if (status === 401) unauthorizedToCallers++;
        else otherErrors++;
        const kind = String(status ?? (error as { code?: string }).code ?? 'unknown');
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      }
      if (issued === WARM_UP_REQUESTS) warmedUp();
    }
  };

  const tokenRequestsBefore = standIn.stats.tokenRequests;
  startedAt = performance.now();
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await warm;
  // The heap is measured from here: the JIT, the pools and the stand-in's log are warm.
  heapStart = heapAfterGc();
  const maxAt = startedAt + MAX_SECONDS * 1000;
  while (performance.now() < maxAt) {
    const elapsed = performance.now() - startedAt;
    if (issued >= MIN_REQUESTS && elapsed >= MIN_SECONDS * 1000) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop = true;
  // The bound on the workers' last requests must not outlive them: the process would idle until it fired.
  let bound: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    Promise.all(workers).then(() => true),
    new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(false), 60_000))),
  ]);
  clearTimeout(bound);
  const durationMs = performance.now() - startedAt;
  const heapEnd = heapAfterGc();
  const requests = issued;
  const succeeded = ok;
  const lost = issued - ok - unauthorizedToCallers - otherErrors;
  const stats = auth.getStats();
  const figures = {
    requests,
    durationSeconds: Math.round(durationMs / 100) / 10,
    requestsPerSecond: Math.round(requests / (durationMs / 1000)),
    concurrency: CONCURRENCY,
    tokenLifetimeSeconds: TOKEN_SECONDS,
    succeeded,
    apiRequestsAtStandIn: standIn.stats.apiRequests,
    expiredTokenRequestsAtStandIn: standIn.stats.unauthorized.expired,
    otherUnauthorizedAtStandIn:
      standIn.stats.unauthorized.missing +
      standIn.stats.unauthorized.malformed +
      standIn.stats.unauthorized.revoked,
    unauthorizedToCallers,
    otherErrors,
    errorKinds: Object.fromEntries(errorKinds),
    lost,
    allWorkersSettled: settled,
    tokenRequests: standIn.stats.tokenRequests - tokenRequestsBefore,
    backgroundRefreshes: stats.backgroundRefreshes,
    replays: stats.replays,
    heapStartMb: mb(heapStart),
    heapEndMb: mb(heapEnd),
    heapGrowthMb: mb(heapEnd - heapStart),
    heapBoundMb: HEAP_BOUND_MB,
    node: process.version,
  };
  await app.close();
  agent.destroy();
  await standIn.close();

  const broken: string[] = [];
  if (requests < MIN_REQUESTS) broken.push(`only ${requests} requests in ${MAX_SECONDS} s`);
  if (durationMs < MIN_SECONDS * 1000) broken.push('shorter than the minimum duration');
  if (figures.expiredTokenRequestsAtStandIn > 0) broken.push('expired tokens reached the stand-in');
  if (figures.otherUnauthorizedAtStandIn > 0) broken.push('requests without a valid token');
  if (unauthorizedToCallers > 0) broken.push('callers saw 401s');
  if (otherErrors > 0) broken.push('callers saw errors');
  if (lost !== 0 || !settled) broken.push('requests were lost');
  if (heapEnd - heapStart > HEAP_BOUND_MB * 1024 * 1024)
    broken.push('the heap grew past its bound');
  console.log(JSON.stringify({ ...figures, broken }, null, 2));
  process.exitCode = broken.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
