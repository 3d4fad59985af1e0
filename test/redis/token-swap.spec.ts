import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { SendfactAuthModule, SendfactAuthService } from 'nestjs-sendfact-auth';
import { RedisTokenStore } from 'nestjs-sendfact-auth/redis';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../support/redis-server.mjs';

/** Two companies of one app; an attacker can read and write Redis, but has no password and no key secret. */
const ACME = { username: 'USER20100070970', password: 'acme-pw' };
const BETA = { username: 'USER20515809822', password: 'beta-pw' };

let redis: RedisServer;
let standIn: SendfactStandIn;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  standIn = await startSendfactStandIn({ accounts: [ACME, BETA] });
});
afterAll(async () => {
  while (closers.length > 0) await closers.pop()!();
  await standIn.close();
  await redis.stop();
});

/** One replica with both accounts, its own Redis connection. */
async function replica(keySecret?: string) {
  const tokenStore = new RedisTokenStore({ url: redis.url, ...(keySecret ? { keySecret } : {}) });
  @Module({
    imports: [
      SendfactAuthModule.forRoot({
        accounts: { acme: ACME, beta: BETA },
        baseUrl: standIn.url,
        tokenStore,
      }),
    ],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  closers.push(() => app.close());
  return app.get(SendfactAuthService);
}

/** The username a stand-in token was issued for (its `sub`). */
const subjectOf = (jwt: string): string =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sub;

describe.each([
  ['HMAC-derived keys (keySecret)', 'a-key-secret-of-16-bytes-or-more'],
  ['scrypt-derived keys', undefined],
])('a Redis value copied onto another account’s key, %s', (_, keySecret) => {
  it('is refused and deleted: the other account never gets the copied token', async () => {
    const admin = new Redis(redis.url);
    closers.push(async () => admin.disconnect());
    await admin.flushall();
    const first = await replica(keySecret);
    const acmeToken = await first.getAccessToken('acme');
    const betaToken = await first.getAccessToken('beta');
    const keys = (await admin.keys('sendfact:token:*')).filter((k) => !k.endsWith(':lease'));
    const values = await Promise.all(keys.map((k) => admin.get(k)));
    const betaKey = keys[values.findIndex((v) => v!.endsWith(` ${betaToken}`))]!;
    const acmeValue = values.find((v) => v!.endsWith(` ${acmeToken}`))!;
    await admin.set(betaKey, acmeValue, 'PX', 60_000);

    const requestsBefore = standIn.stats.tokenRequests;
    const second = await replica(keySecret);
    const got = await second.getAccessToken('beta');
    expect(got).not.toBe(acmeToken);
    expect(subjectOf(got)).toBe(BETA.username);
    // It got its own token with a token request, and shared that one instead of the copy.
    expect(standIn.stats.tokenRequests).toBe(requestsBefore + 1);
    expect((await admin.get(betaKey))?.endsWith(` ${got}`)).toBe(true);
  });
});
