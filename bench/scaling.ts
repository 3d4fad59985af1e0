// Token requests per hour for N replicas and M accounts, with per-process tokens and with the shared Redis
// store, measured against the stand-in; and the memory held for 10,000 accounts.
//
//   npm run bench:scaling
//
// Replicas are separate Nest application contexts in this process, each with its own Redis connection: to
// the token logic they are what separate processes are (test/redis/multi-process.spec.ts checks that with
// real processes). Tokens live LIFETIME_S here instead of Sendfact's 120 s; per-hour figures scale the
// measured requests per token lifetime to 3,600 / 120 = 30 lifetimes an hour.
import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { RedisTokenStore } from 'nestjs-sendfact-auth/redis';
import { startSendfactStandIn, type SendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { startRedis, type BenchRedis } from './redis-server.js';

/** The default `refresh.refreshAheadRatio` (docs/CONFIGURATION.md): a token is refreshed at 3/4 of its life. */
const REFRESH_AHEAD_RATIO = 0.75;

const LIFETIME_S = 2;
const RUN_S = 6;
const SENDFACT_LIFETIMES_PER_HOUR = 3600 / 120;
const REPLICAS = [1, 4, 8];
const ACCOUNTS = [1, 10];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const login = (i: number) => ({
  username: `USER2${String(i).padStart(10, '0')}`,
  password: `pw-${i}`,
});

interface Replica {
  app: INestApplicationContext;
  auth: SendfactAuthService;
}

async function replica(
  standIn: SendfactStandIn,
  accounts: number,
  store: RedisTokenStore | undefined,
): Promise<Replica> {
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: standIn.url,
        accounts: Object.fromEntries(
          Array.from({ length: accounts }, (_, i) => [`a${i}`, login(i)]),
        ),
        defaultAccount: 'a0',
        ...(store === undefined ? {} : { tokenStore: store }),
      }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  return { app, auth: app.get(SendfactAuthService) };
}

/** Every replica asks for every account's token every 20 ms for RUN_S: steady traffic. */
async function measure(
  standIn: SendfactStandIn,
  redis: BenchRedis,
  replicas: number,
  accounts: number,
  shared: boolean,
): Promise<{ requests: number; perHour: number }> {
  // One prefix per measurement, the same for all its replicas: earlier runs' tokens must not count.
  const keyPrefix = `bench:${replicas}x${accounts}:${Date.now()}:`;
  const store = () => (shared ? new RedisTokenStore({ url: redis.url, keyPrefix }) : undefined);
  const apps = await Promise.all(
    Array.from({ length: replicas }, () => replica(standIn, accounts, store())),
  );
  standIn.resetStats();
  const until = Date.now() + RUN_S * 1000;
  while (Date.now() < until) {
    await Promise.all(
      apps.flatMap(({ auth }) =>
        Array.from({ length: accounts }, (_, i) => auth.getAccessToken(`a${i}`)),
      ),
    );
    await sleep(20);
  }
  const requests = standIn.stats.tokenRequests;
  await Promise.all(apps.map(({ app }) => app.close()));
  return {
    requests,
    perHour: Math.round((requests / (RUN_S / LIFETIME_S)) * SENDFACT_LIFETIMES_PER_HOUR),
  };
}

/** Heap held by `accounts` accounts with a token each, measured after GC. */
async function accountsMemory(standIn: SendfactStandIn, accounts: number, maxAccounts?: number) {
  for (let i = 0; i < accounts; i++) standIn.addAccount(login(i));
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: standIn.url,
        credentialsResolver: (id: string) => login(Number(id)),
        ...(maxAccounts === undefined ? {} : { maxAccounts }),
      }),
    ],
  })
  class TenantsModule {}
  const app = await NestFactory.createApplicationContext(TenantsModule, { logger: false });
  const auth = app.get(SendfactAuthService);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < accounts; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, accounts - i) }, (_, j) =>
        auth.getAccessToken(String(i + j)),
      ),
    );
  }
  gc();
  const held = process.memoryUsage().heapUsed - before;
  const active = auth.activeAccounts.length;
  await app.close();
  return { active, heldMb: held / 2 ** 20, perAccountBytes: Math.round(held / active) };
}

if (typeof (globalThis as { gc?: unknown }).gc !== 'function')
  throw new Error('run with node --expose-gc');
const gc = (globalThis as unknown as { gc: () => void }).gc;
const standIn = await startSendfactStandIn({
  tokenLifetimeSeconds: LIFETIME_S,
  accounts: Array.from({ length: 10 }, (_, i) => login(i)),
});
const redis = await startRedis();
console.log(
  `Token requests per hour (Sendfact's 120 s tokens), measured over ${RUN_S} s with ${LIFETIME_S} s tokens, default refresh-ahead (three quarters of the lifetime):\n`,
);
console.log(
  '| replicas | accounts | per-process tokens: measured / per hour | shared Redis store: measured / per hour | lower bound per hour (1 per account per refresh interval) |',
);
console.log('| --- | --- | --- | --- | --- |');
for (const accounts of ACCOUNTS) {
  for (const replicas of REPLICAS) {
    const alone = await measure(standIn, redis, replicas, accounts, false);
    const shared = await measure(standIn, redis, replicas, accounts, true);
    console.log(
      `| ${replicas} | ${accounts} | ${alone.requests} / ${alone.perHour.toLocaleString('en')} | ${shared.requests} / ${shared.perHour.toLocaleString('en')} | ${Math.round((accounts * SENDFACT_LIFETIMES_PER_HOUR) / REFRESH_AHEAD_RATIO).toLocaleString('en')} |`,
    );
  }
}
standIn.tokenLifetimeSeconds = 120;
const unbounded = await accountsMemory(standIn, 10_000);
const capped = await accountsMemory(standIn, 10_000, 1_000);
console.log(
  `\nMemory: 10,000 accounts with a token each hold ${unbounded.heldMb.toFixed(1)} MB of heap after GC (${unbounded.perAccountBytes} bytes per account, ${unbounded.active} held);`,
);
console.log(`with maxAccounts 1,000, ${capped.active} are held: ${capped.heldMb.toFixed(1)} MB.`);
await standIn.close();
await redis.stop();
