import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveTokenKey } from '../../lib/store/token-key.derivation.js';
import { type Replica, startReplicas, sum } from '../support/redis-replicas.mjs';
import { RedisClusterUnderTest, until } from '../support/redis-topologies.mjs';

const ACCOUNTS = {
  acme: { username: 'USER20100070970', password: 'acme-pw' },
  beta: { username: 'USER20131312955', password: 'beta-pw' },
  gamma: { username: 'USER20515809822', password: 'gamma-pw' },
};
const KEY_SECRET = 'cluster-test-key-secret-32-bytes';

let cluster: RedisClusterUnderTest;
let standIn: SendfactStandIn;
let replicas: Replica[];

beforeAll(async () => {
  cluster = await RedisClusterUnderTest.start();
  standIn = await startSendfactStandIn({ accounts: Object.values(ACCOUNTS) });
  replicas = await startReplicas(4, {
    standInUrl: standIn.url,
    accounts: ACCOUNTS,
    store: { clusterNodes: cluster.startupNodes, keySecret: KEY_SECRET },
    auth: { tokenStoreTimeoutMs: 5_000 },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas?.map((r) => r.close()) ?? []);
  await standIn?.close();
  await cluster?.stop();
});

/** The store key of an account's token, as the replicas derive it. */
const storeKey = (id: keyof typeof ACCOUNTS) =>
  deriveTokenKey({ hmacSecret: KEY_SECRET }, standIn.url, ACCOUNTS[id]);

/** Every replica's store answers a read of `key` (the barrier before a burst). */
async function allReplicasReach(key: string) {
  await until(async () => {
    const results = await Promise.all(replicas.map((r) => r.run({ type: 'store-ready', key })));
    return results.every((r) => r.storeOk);
  }, 'every replica to reach the key');
}

async function coldBurst() {
  await Promise.all(replicas.map((r) => r.run({ type: 'drop-tokens' })));
  const results = await Promise.all(
    Object.keys(ACCOUNTS).flatMap((account) =>
      replicas.map((r) => r.run({ type: 'cold', calls: 50, account })),
    ),
  );
  return results;
}

describe('a Redis Cluster of three masters', () => {
  it(
    'cold start: 4 replicas x 3 accounts x 50 calls make one token request per account',
    { timeout: 120_000 },
    async () => {
      const results = await coldBurst();
      expect(sum(results, 'calls')).toBe(600);
      expect(sum(results, 'errors')).toBe(0);
      expect(standIn.stats.tokenRequests).toBe(3);
      console.log(`cluster cold start: 600 calls, ${standIn.stats.tokenRequests} token requests`);
    },
  );

  it(
    'a master killed: its accounts fall back to per-process tokens, then share again once it is back',
    { timeout: 120_000 },
    async () => {
      const key = await storeKey('acme');
      const node = await cluster.nodeFor(`sendfact:token:{${key}}`);
      await node.kill();
      standIn.resetStats();
      const during = await Promise.all(
        replicas.map(async (r) => {
          await r.run({ type: 'drop-tokens' });
          return r.run({ type: 'cold', calls: 50, account: 'acme' });
        }),
      );
      expect(sum(during, 'errors')).toBe(0);
      const fallback = standIn.stats.tokenRequests;
      expect(fallback).toBeGreaterThanOrEqual(1);
      expect(fallback).toBeLessThanOrEqual(4); // at most one per replica, straight from Sendfact

      await node.restart();
      await cluster.waitOk();
      await allReplicasReach(key);
      standIn.resetStats();
      const after = await coldBurst();
      expect(sum(after, 'errors')).toBe(0);
      expect(standIn.stats.tokenRequests).toBe(3);
      console.log(
        `cluster master killed: ${fallback} token requests for acme from 4 replicas while down, ` +
          `${standIn.stats.tokenRequests} for 3 accounts once back`,
      );
    },
  );
});
