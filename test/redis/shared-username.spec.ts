import { Redis } from 'ioredis';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Replica, startReplicas } from '../support/redis-replicas.mjs';
import { RedisServer } from '../support/redis-server.mjs';

/** A company's real login, and a tenant of another replica with its username and a wrong password. */
const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const IMPOSTOR = { username: ACME.username, password: 'guessed-wrong' };

let redis: RedisServer;
let standIn: SendfactStandIn;
const replicas: Replica[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  standIn = await startSendfactStandIn({ accounts: [ACME] });
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await standIn.close();
  await redis.stop();
});

describe('two processes sharing Redis, same username, one wrong password', () => {
  it('never hands the right account’s shared token to the process with the wrong password', async () => {
    const config = {
      standInUrl: standIn.url,
      store: { url: redis.url },
      auth: { tokenStoreTimeoutMs: 5_000 },
    };
    const [right] = await startReplicas(1, { ...config, accounts: { acme: ACME } });
    const [wrong] = await startReplicas(1, { ...config, accounts: { acme: IMPOSTOR } });
    replicas.push(right!, wrong!);

    expect(await right!.run({ type: 'token', account: 'acme' })).toMatchObject({ errors: 0 });
    const admin = new Redis(redis.url);
    expect(await admin.keys('*')).toHaveLength(1); // the right account's token is in Redis
    for (let i = 0; i < 3; i++) {
      expect(await wrong!.run({ type: 'token', account: 'acme' })).toMatchObject({
        errors: 1,
        kinds: ['SendfactCredentialsError'],
      });
    }
    // The right process still shares: a second replica of it takes the token from Redis.
    const [again] = await startReplicas(1, { ...config, accounts: { acme: ACME } });
    replicas.push(again!);
    expect(await again!.run({ type: 'token', account: 'acme' })).toMatchObject({ errors: 0 });
    expect(standIn.stats.tokensIssued).toBe(1);
    expect(standIn.stats.tokenRequestsRejected).toBeGreaterThanOrEqual(1);
    admin.disconnect();
  });
});
