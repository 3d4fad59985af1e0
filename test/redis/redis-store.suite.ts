import { createHash, createHmac } from 'node:crypto';
import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  type Clock,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactConfigError,
  SendfactHttpService,
  type TimerHandle,
  type TimerOptions,
} from 'nestjs-sendfact-auth';
import { RedisTokenStore, type RedisTokenStoreOptions } from 'nestjs-sendfact-auth/redis';
import { type SendfactStandIn, startSendfactStandIn } from 'nestjs-sendfact-auth/testing';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/engine/clock.js';
import { deriveTokenKey } from '../../lib/store/token-key.derivation.js';
import type { RedisServer } from '../support/redis-server.mjs';

const LOGIN = { username: 'USER20515809822', password: 'redis-spec-Pw!' };
const STATUS = '/api/cpe/20515809822-01-F001-1/status';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The real clock, which a test can move forward at once: tokens age by `skip(ms)` without the wait. Timers
 * (a store call's bound, a poll for another replica's token) keep real time; a JWT's `exp` is read on the
 * real wall clock, as the stand-in wrote it.
 */
class SkippingClock implements Clock {
  #skipped = 0;
  now = (): number => systemClock.now() + this.#skipped;
  wallNow = (): number => systemClock.wallNow();
  setTimer = (fn: () => void, ms: number, options?: TimerOptions): TimerHandle =>
    systemClock.setTimer(fn, ms, options);
  skip(ms: number): void {
    this.#skipped += ms;
  }
}

/** How a suite reaches its server: how to start it, and what the store needs beyond its URL (user, TLS). */
export interface RedisStoreSetup {
  start: () => Promise<RedisServer>;
  store: Omit<RedisTokenStoreOptions, 'url' | 'client'>;
}

/**
 * The store's whole test set, against one real server per file: the plain one (redis-token.store.spec.ts),
 * and the same tests through an ACL user limited to the key prefix, and over TLS.
 */
export function redisStoreSuite(setup: RedisStoreSetup): void {
  let redis: RedisServer;
  let standIn: SendfactStandIn;
  let admin: Redis;
  /** The store's connection: the server's URL and the setup's client options. */
  const connect = (): RedisTokenStoreOptions => ({ url: redis.url, ...setup.store });
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    redis = await setup.start();
    standIn = await startSendfactStandIn({ accounts: [LOGIN] });
    admin = new Redis(redis.url, { lazyConnect: true, ...redis.adminOptions });
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    admin.disconnect();
    await standIn.close();
    await redis.stop();
  });
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
    standIn.resetStats();
    standIn.clearFaults();
    standIn.tokenLifetimeSeconds = 120;
    if (admin.status !== 'ready') await admin.connect().catch(() => undefined);
    await admin.flushall().catch(() => undefined);
  });

  class Lines implements LoggerService {
    readonly lines: string[] = [];
    log = (m: unknown) => this.lines.push(`log ${String(m)}`);
    warn = (m: unknown) => this.lines.push(`warn ${String(m)}`);
    error = (m: unknown) => this.lines.push(`error ${String(m)}`);
  }

  /** One "replica": its own Nest app and its own Redis connection, sharing Redis with the others. */
  async function replica(
    options: {
      keyPrefix?: string;
      refreshAheadRatio?: number;
      keySecret?: string;
      clock?: Clock;
    } = {},
  ) {
    const store = new RedisTokenStore({
      ...connect(),
      ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
      ...(options.keySecret ? { keySecret: options.keySecret } : {}),
    });
    const logger = new Lines();
    @Module({
      imports: [
        SendfactAuthModule.forRoot({
          ...LOGIN,
          baseUrl: standIn.url,
          tokenStore: store,
          ...(options.clock ? { clock: options.clock } : {}),
          // Longer than a test may take: on a loaded machine a slow answer would otherwise count as a store
          // failure and send the replica to Sendfact on its own, which no test here is about.
          tokenStoreTimeoutMs: 60_000,
          refresh: {
            retryBaseDelayMs: 5,
            retryMaxDelayMs: 20,
            refreshAheadRatio: options.refreshAheadRatio ?? 0.5,
          },
        }),
      ],
    })
    class ReplicaModule {}
    const app = await NestFactory.createApplicationContext(ReplicaModule, { logger });
    closers.push(() => app.close());
    return {
      app,
      store,
      auth: app.get(SendfactAuthService),
      http: app.get(SendfactHttpService),
      logger,
    };
  }

  describe('RedisTokenStore', () => {
    it('keeps a token until its TTL, and tells how long it has left', async () => {
      const store = new RedisTokenStore(connect());
      closers.push(() => store.close());
      expect(await store.get('k')).toBeUndefined();
      const before = Date.now();
      await store.set('k', { accessToken: 'a.b.c', lifetimeMs: 120_000 }, 5_000);
      const got = await store.get('k');
      const spent = Date.now() - before;
      expect(got).toMatchObject({ accessToken: 'a.b.c', lifetimeMs: 120_000 });
      // Less only by the time the two round trips took, however long that was.
      expect(got!.remainingMs).toBeGreaterThanOrEqual(5_000 - spent - 1);
      expect(got!.remainingMs).toBeLessThanOrEqual(5_000);
      await store.set('short', { accessToken: 'x', lifetimeMs: 1_000 }, 30);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await store.get('short')).toBeUndefined();
    });

    it('deletes a token only if it is still the one given', async () => {
      const store = new RedisTokenStore(connect());
      closers.push(() => store.close());
      await store.set('k', { accessToken: 'new.token', lifetimeMs: 1 }, 5_000);
      await store.deleteIfCurrent('k', 'old.token');
      await store.deleteIfCurrent('k', 'token'); // a suffix of the value, not the token
      expect(await store.get('k')).toMatchObject({ accessToken: 'new.token' });
      await store.deleteIfCurrent('k', 'new.token');
      expect(await store.get('k')).toBeUndefined();
    });

    it('gives a lease to one holder at a time, released only by its id, and lapsing by itself', async () => {
      const a = new RedisTokenStore(connect());
      const b = new RedisTokenStore(connect());
      closers.push(
        () => a.close(),
        () => b.close(),
      );
      const [first, second] = await Promise.all([
        a.acquireLease('k', 5_000),
        b.acquireLease('k', 5_000),
      ]);
      expect([first, second].filter((id) => id !== undefined)).toHaveLength(1);
      const holder = (first ?? second)!;
      await b.releaseLease('k', 'not-the-holder');
      expect(await a.acquireLease('k', 5_000)).toBeUndefined();
      await a.releaseLease('k', holder);
      const short = await b.acquireLease('k', 50);
      expect(short).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await a.acquireLease('k', 5_000)).toBeDefined();
    });

    it('keys tokens by prefix and a derived key in one hash tag: no username, password or unkeyed hash of them', async () => {
      const { auth } = await replica({ keyPrefix: 'sendfact:token:myapp:' });
      await auth.getAccessToken();
      const keys = await admin.keys('*');
      expect(keys).toEqual([expect.stringMatching(/^sendfact:token:myapp:\{[0-9a-f]{64}\}$/)]);
      const unkeyed = [
        LOGIN.username,
        LOGIN.username.slice(4), // the RUC
        LOGIN.password,
        standIn.url,
        sha(LOGIN.username).slice(0, 32), // the old key
        sha(LOGIN.username),
        sha(LOGIN.username + LOGIN.password),
        sha(`${LOGIN.username}:${LOGIN.password}`),
        sha(JSON.stringify([standIn.url, LOGIN.username, LOGIN.password])),
      ];
      for (const text of unkeyed) expect(keys[0]).not.toContain(text);
      expect(keys[0]).toBe(
        `sendfact:token:myapp:{${await deriveTokenKey('scrypt', standIn.url, LOGIN)}}`,
      );
      const values = await Promise.all(keys.map((k) => admin.get(k)));
      expect(values.join()).not.toContain(LOGIN.password);
    });

    it('keys tokens by HMAC under keySecret when one is given: another secret gives another key', async () => {
      const secret = 'a-secret-of-32-bytes-for-the-key';
      const { auth } = await replica({ keySecret: secret });
      await auth.getAccessToken();
      const keys = await admin.keys('*');
      // The first half of HMAC-SHA512 names the key; the second half is the MAC key of its value.
      const hmac = createHmac('sha512', secret)
        .update(JSON.stringify([standIn.url, LOGIN.username, LOGIN.password]))
        .digest()
        .subarray(0, 32)
        .toString('hex');
      expect(keys).toEqual([`sendfact:token:{${hmac}}`]);
      expect(keys[0]).not.toContain(await deriveTokenKey('scrypt', standIn.url, LOGIN));
      expect(() => new RedisTokenStore({ ...connect(), keySecret: 'short' })).toThrow(
        SendfactConfigError,
      );
    });

    it('takes a value it cannot read as a miss and deletes it, compared on the raw value', async () => {
      const store = new RedisTokenStore(connect());
      closers.push(() => store.close());
      for (const raw of ['1234567', 'abc def', ' 120000 a.b.c', '0 a.b.c', '120000 ']) {
        await admin.set('sendfact:token:{k}', raw, 'PX', 60_000);
        expect(await store.get('k')).toBeUndefined();
        expect(await admin.exists('sendfact:token:{k}')).toBe(0);
      }
    });

    it('never adopts a stored token a token response could not be (200 KB, a lifetime of years): a miss, deleted', async () => {
      const { auth } = await replica();
      const good = await auth.getAccessToken();
      const [key] = await admin.keys('*');
      const bad = [
        `${10 ** 12} ${'e'.repeat(200_000)}`, // 200 KB and 31 years
        `${10 ** 12} ${good}`, // a real token with a lifetime of 31 years
        `120000 bad\ttoken`, // not a header value
      ];
      for (const value of bad) {
        await admin.set(key!, value, 'PX', 600_000);
        auth.invalidateAccessToken();
        const token = await auth.getAccessToken();
        expect(token).toMatch(/^ey/);
        expect(token.length).toBeLessThan(16_384);
        // The bad value is gone: the key now holds the token just fetched, until its margin.
        expect(await admin.get(key!)).toMatch(new RegExp(`^120000 [0-9a-f]{64} ${token}$`));
        expect(await admin.pttl(key!)).toBeLessThanOrEqual(108_000);
      }
      expect(standIn.stats.tokenRequests).toBe(1 + bad.length);
    });
  });

  describe('replicas sharing Redis', () => {
    it('share one token: 4 replicas x 100 concurrent callers at cold start make 1 token request', async () => {
      const replicas = await Promise.all(Array.from({ length: 4 }, () => replica()));
      const tokens = await Promise.all(
        replicas.flatMap(({ auth }) => Array.from({ length: 100 }, () => auth.getAccessToken())),
      );
      expect(new Set(tokens).size).toBe(1);
      expect(standIn.stats.tokenRequests).toBe(1);
    });

    it('refresh once per refresh interval across replicas, and stores the token only until its margin', async () => {
      // One clock for all replicas, moved by the test, and the token's TTL in Redis moved with it: each refresh
      // interval is a step the test takes, not a race against a loaded machine.
      const clock = new SkippingClock();
      // HMAC keys: three scrypt derivations are most of this test's time on a busy machine, and not its subject.
      const keySecret = 'a-secret-of-32-bytes-for-the-key';
      const replicas = await Promise.all(
        Array.from({ length: 3 }, () => replica({ clock, keySecret })),
      );
      const round = () =>
        Promise.all(
          replicas.map(({ http }) =>
            firstValueFrom(http.get(STATUS, { validateStatus: (s) => s === 404 })),
          ),
        );
      await round();
      expect(standIn.stats.tokenRequests).toBe(1);
      // The token's key: the lease was released before the token was handed out.
      const [key] = await admin.keys('*');
      for (let interval = 1; interval <= 3; interval++) {
        const before = replicas[0]!.auth.peekAccessToken();
        // 70 s on: past the refresh point (60 s, half of the 120 s life), short of the margin (108 s).
        await admin.pexpire(key!, (await admin.pttl(key!)) - 70_000);
        clock.skip(70_000);
        const refreshed = replicas.map(({ auth }) =>
          firstValueFrom(auth.events$.pipe(filter((e) => e.type === 'token-refreshed'))),
        );
        await round(); // served at once, each replica starting a refresh behind it
        const shared = (await Promise.all(refreshed)).map((e) => e.shared);
        expect(standIn.stats.tokenRequests).toBe(1 + interval);
        // One replica asked Sendfact; the two others took its token from Redis.
        expect(shared.toSorted()).toEqual([false, true, true]);
        const held = replicas.map(({ auth }) => auth.peekAccessToken());
        expect(held).toEqual([held[0], held[0], held[0]]);
        expect(held[0]).not.toBe(before);
        await round();
        expect(standIn.stats.tokenRequests).toBe(1 + interval);
      }
      expect(standIn.stats.unauthorized).toEqual({
        missing: 0,
        malformed: 0,
        expired: 0,
        revoked: 0,
        refused: 0,
      });
      expect(await admin.keys('*')).toEqual([key]);
      expect(await admin.pttl(key!)).toBeLessThanOrEqual(108_000); // 120 s less the 10 % margin
    });

    it('takes over from a lease holder that died, as soon as its lease lapses', async () => {
      const { auth } = await replica();
      // A replica that took the lease and died before sharing a token.
      const key = await deriveTokenKey('scrypt', standIn.url, LOGIN);
      // Read before the lease is set, so that the lease cannot lapse sooner than 300 ms after it.
      const started = Date.now();
      await admin.set(`sendfact:token:{${key}}:lease`, 'dead-holder', 'PX', 300);
      expect(await auth.getAccessToken()).toMatch(/^ey/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300); // it waited for the lease, then took over
      expect(standIn.stats.tokenRequests).toBe(1);
    });

    it('spreads a 401 seen by one replica: the others take the new token from Redis', async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      await firstValueFrom(a.http.get(STATUS, { validateStatus: (s) => s === 404 }));
      await firstValueFrom(b.http.get(STATUS, { validateStatus: (s) => s === 404 }));
      standIn.revokeTokens();
      await firstValueFrom(a.http.get(STATUS, { validateStatus: (s) => s === 404 }));
      await firstValueFrom(b.http.get(STATUS, { validateStatus: (s) => s === 404 }));
      expect(standIn.stats.tokenRequests).toBe(2);
      expect(a.auth.peekAccessToken()).toBe(b.auth.peekAccessToken());
    });

    it('rides out Redis going down (per-process tokens, a warning) and shares again when it is back', async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      const call = (r: typeof a) =>
        firstValueFrom(r.http.get(STATUS, { validateStatus: (s) => s === 404 }));
      await Promise.all([call(a), call(b)]);
      expect(standIn.stats.tokenRequests).toBe(1);

      await redis.kill();
      a.auth.invalidateAccessToken();
      b.auth.invalidateAccessToken();
      const during = await Promise.allSettled([call(a), call(b), call(a), call(b)]);
      expect(during.filter((r) => r.status !== 'fulfilled')).toEqual([]);
      expect(standIn.stats.tokenRequests).toBe(3); // one each, straight from Sendfact
      // Nest's Logger writes through one process-wide logger: the last app created gets both replicas' lines.
      const lines = () => [...a.logger.lines, ...b.logger.lines];
      expect(lines()).toContainEqual(expect.stringMatching(/^warn The token store failed/));

      await redis.restart();
      // Each replica's client is connected again ('ready'), rather than a guess at how long that takes.
      await Promise.all([a.store.ready(), b.store.ready()]);
      a.auth.invalidateAccessToken();
      b.auth.invalidateAccessToken();
      await call(a);
      await call(b);
      expect(standIn.stats.tokenRequests).toBe(4); // shared again: one for both
      expect(lines()).toContainEqual(expect.stringMatching(/^log The token store answers again/));
    });
  });
}
