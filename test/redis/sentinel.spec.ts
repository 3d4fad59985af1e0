import { Redis } from 'ioredis';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveTokenKey } from '../../lib/store/token-key.derivation.js';
import { type Replica, startReplicas, sum } from '../support/redis-replicas.mjs';
import { RedisSentinelUnderTest, until } from '../support/redis-topologies.mjs';

const ACCOUNTS = {
  acme: { username: 'USER20100070970', password: 'acme-pw' },
  beta: { username: 'USER20131312955', password: 'beta-pw' },
};
const KEY_SECRET = 'sentinel-test-key-secret-32-byte';

let sentinel: RedisSentinelUnderTest;
let standIn: SendfactStandIn;
let replicas: Replica[];

beforeAll(async () => {
  sentinel = await RedisSentinelUnderTest.start();
  standIn = await startSendfactStandIn({ accounts: Object.values(ACCOUNTS) });
  replicas = await startReplicas(3, {
    standInUrl: standIn.url,
    accounts: ACCOUNTS,
    store: { redisOptions: sentinel.redisOptions, keySecret: KEY_SECRET },
    auth: { tokenStoreTimeoutMs: 5_000 },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas?.map((r) => r.close()) ?? []);
  await standIn?.close();
  await sentinel?.stop();
});

async function coldBurst() {
  await Promise.all(replicas.map((r) => r.run({ type: 'drop-tokens' })));
  return Promise.all(
    Object.keys(ACCOUNTS).flatMap((account) =>
      replicas.map((r) => r.run({ type: 'cold', calls: 50, account })),
    ),
  );
}

describe('Redis behind Sentinel (1 master, 1 replica, 1 sentinel)', () => {
  it(
    'cold start: 3 replicas x 2 accounts make one token request per account',
    { timeout: 120_000 },
    async () => {
      const results = await coldBurst();
      expect(sum(results, 'errors')).toBe(0);
      expect(standIn.stats.tokenRequests).toBe(2);
      console.log(
        `sentinel cold start: ${sum(results, 'calls')} calls, ${standIn.stats.tokenRequests} token requests`,
      );
    },
  );

  it(
    'a SENTINEL FAILOVER under traffic: no caller error, and sharing resumes on the new master',
    { timeout: 120_000 },
    async () => {
      // 2 s tokens, none held in the replicas or in Redis: refreshes go through the store during the failover.
      standIn.tokenLifetimeSeconds = 2;
      await Promise.all(replicas.map((r) => r.run({ type: 'drop-tokens' })));
      const admin = new Redis(sentinel.redisOptions);
      await admin.flushall();
      admin.disconnect();
      standIn.resetStats();
      const oldMaster = await sentinel.masterPort();
      const traffic = Promise.all(
        replicas.map((r) => r.run({ type: 'steady', ms: 6_000, concurrency: 2, pauseMs: 5 })),
      );
      const newMaster = await sentinel.failover();
      const during = await traffic;
      expect(newMaster).not.toBe(oldMaster);
      expect(sum(during, 'errors')).toBe(0);
      expect(during.flatMap((r) => r.kinds)).toEqual([]);
      const duringRequests = standIn.stats.tokenRequests;

      // Sharing again: every replica reaches the new master, then a cold burst makes one request per account.
      standIn.tokenLifetimeSeconds = 120;
      const key = await deriveTokenKey({ hmacSecret: KEY_SECRET }, standIn.url, ACCOUNTS.acme);
      await until(async () => {
        const results = await Promise.all(replicas.map((r) => r.run({ type: 'store-ready', key })));
        return results.every((r) => r.storeOk);
      }, 'every replica to reach the new master');
      standIn.resetStats();
      const after = await coldBurst();
      expect(sum(after, 'errors')).toBe(0);
      expect(standIn.stats.tokenRequests).toBe(2);
      console.log(
        `sentinel failover ${oldMaster} -> ${newMaster}: ${sum(during, 'calls')} calls, 0 errors, ` +
          `${duringRequests} token requests during; ${standIn.stats.tokenRequests} for 2 accounts after`,
      );
    },
  );
});
