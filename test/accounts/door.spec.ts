import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  SENDFACT_TOKEN_FETCHER,
  SendfactAuthClosedError,
  SendfactAuthModule,
  SendfactAuthService,
  SendfactCredentialsResolverError,
  SendfactUnknownAccountError,
  type SendfactAuthModuleOptions,
  type SendfactCredentials,
  type SendfactTokenFetcher,
} from 'nestjs-sendfact-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { UNKNOWN_ACCOUNT_MEMORY_MS } from '../../lib/sendfact-auth.constants.js';
import { KeepAliveClock } from '../engine/keep-alive-clock.js';
import { FakeClock, flush } from '../support/fake-clock.js';

/** The companies the app's database knows: one real one. */
const KNOWN: Record<string, SendfactCredentials> = {
  '20100070970': { username: 'USER20100070970', password: 'acme-password' },
};

/** The token endpoint, answering after `latencyMs` of the module's clock (Sendfact takes about 100 ms). */
function endpoint(clock: FakeClock, latencyMs: number) {
  const requests: string[] = [];
  const fetcher: SendfactTokenFetcher = {
    requestToken: (credentials, _signal, accountId) => {
      requests.push(accountId);
      return new Promise((resolve) =>
        clock.setTimer(
          () => resolve({ accessToken: `token-of-${credentials.username}`, lifetimeMs: 120_000 }),
          latencyMs,
        ),
      );
    },
  };
  return { fetcher, requests };
}

let module: TestingModule | undefined;
afterEach(async () => {
  await module?.close();
  module = undefined;
});

async function boot(
  clock: FakeClock,
  fetcher: SendfactTokenFetcher,
  resolver: (id: string) => Promise<SendfactCredentials | undefined>,
  options: SendfactAuthModuleOptions = {},
): Promise<SendfactAuthService> {
  module = await Test.createTestingModule({
    imports: [
      SendfactAuthModule.forRoot({
        baseUrl: 'https://demo-api.sendfact.example',
        clock,
        credentialsResolver: resolver,
        telemetry: { enabled: false },
        ...options,
      }),
    ],
  })
    .overrideProvider(SENDFACT_TOKEN_FETCHER)
    .useValue(fetcher)
    .compile();
  module.useLogger(false);
  await module.init();
  return module.get(SendfactAuthService);
}

/** A database that never answers. */
const neverAnswers = () => new Promise<undefined>(() => undefined);

/** A resolver that answers from KNOWN after `ms` of the module's clock, counting its calls. */
function database(clock: FakeClock, ms = 1) {
  const calls: string[] = [];
  let inFlight = 0;
  let most = 0;
  const resolver = (id: string) => {
    calls.push(id);
    most = Math.max(most, ++inFlight);
    return new Promise<SendfactCredentials | undefined>((resolve) =>
      clock.setTimer(() => {
        inFlight--;
        resolve(KNOWN[id]);
      }, ms),
    );
  };
  return { resolver, calls, most: () => most };
}

/** Drives the module's clock until `promise` settles; returns how much of it passed, and the outcome. */
async function timed<T>(clock: FakeClock, promise: Promise<T>) {
  const start = clock.now();
  const state = { done: false };
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  void outcome.then(() => (state.done = true));
  while (!state.done) await clock.advance(1);
  return { ms: clock.now() - start, ...(await outcome) };
}

describe('account ids at the door', () => {
  it('refuses an id that is too long, holds a control character, or is reserved, at once and without asking the resolver', async () => {
    const clock = new FakeClock();
    const db = database(clock);
    const auth = await boot(clock, endpoint(clock, 100).fetcher, db.resolver);
    for (const [id, problem] of [
      ['x'.repeat(129), 'is not 1 to 128 characters long'],
      ['acme\r\nERROR [SendfactAuth] forged line', 'holds a control character'],
      ['tab\there', 'holds a control character'],
      ['next\u2028line', 'holds a control character'],
      [' acme', 'starts or ends with a space'],
      ['__proto__', 'is reserved'],
    ]) {
      const error = await auth.getAccessToken(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SendfactUnknownAccountError);
      expect(error).toMatchObject({ problem });
      // The id in the message is quoted and escaped: no line break, and at most 80 characters of it.
      expect((error as Error).message).not.toMatch(/[\r\n\u2028]/);
      expect((error as Error).message.length).toBeLessThan(260);
    }
    expect(db.calls).toEqual([]);
    expect(auth.activeAccounts).toEqual([]);
  });

  it('takes ids a configured account may not have, such as an e-mail, to the resolver', async () => {
    const clock = new FakeClock();
    const db = database(clock);
    const auth = await boot(clock, endpoint(clock, 100).fetcher, async (id) =>
      id === 'billing@acme.pe' ? KNOWN['20100070970'] : db.resolver(id),
    );
    const got = await timed(clock, auth.getAccessToken('billing@acme.pe'));
    expect(got).toMatchObject({ ok: true, value: 'token-of-USER20100070970' });
  });

  it('makes nothing for an unknown id and takes no token-request slot, and remembers it as unknown for a while', async () => {
    const clock = new FakeClock();
    const db = database(clock);
    const { fetcher, requests } = endpoint(clock, 100);
    const auth = await boot(clock, fetcher, db.resolver, { maxConcurrentTokenRequests: 1 });
    const unknown = await timed(clock, auth.getAccessToken('20999999999'));
    expect(unknown).toMatchObject({ ok: false, error: expect.any(SendfactUnknownAccountError) });
    expect(auth.activeAccounts).toEqual([]);
    expect(requests).toEqual([]);
    // Asked again at once: the database is not.
    await timed(clock, auth.getAccessToken('20999999999'));
    expect(db.calls).toEqual(['20999999999']);
    // Once the memory of it has passed, it is asked again (a tenant added since is found).
    await clock.advance(UNKNOWN_ACCOUNT_MEMORY_MS);
    await timed(clock, auth.getAccessToken('20999999999'));
    expect(db.calls).toEqual(['20999999999', '20999999999']);
  });

  it('lets a slow resolver hold no token-request slot: a known company does not wait behind ids still being looked up', async () => {
    const clock = new FakeClock();
    const db = database(clock);
    // The database takes 10 s over ids it does not know, 1 ms over the one it does.
    const slowForUnknown = (id: string) =>
      KNOWN[id] !== undefined
        ? db.resolver(id)
        : new Promise<undefined>((resolve) => clock.setTimer(() => resolve(undefined), 10_000));
    const auth = await boot(clock, endpoint(clock, 100).fetcher, slowForUnknown, {
      maxConcurrentTokenRequests: 1,
      credentialsResolverTimeoutMs: 60_000,
    });
    const pending = Array.from({ length: 10 }, (_, i) =>
      auth.getAccessToken(`2099999990${i}`).catch(() => undefined),
    );
    const known = await timed(clock, auth.getAccessToken('20100070970'));
    expect(known).toMatchObject({ ok: true, ms: 101 });
    await timed(clock, Promise.all(pending));
  });

  it('bounds each resolver call in time (SendfactCredentialsResolverError) and in number at once', async () => {
    const clock = new FakeClock();
    const db = database(clock, 50);
    const slow = (id: string) =>
      id === 'hangs' ? new Promise<undefined>(() => undefined) : db.resolver(id);
    const auth = await boot(clock, endpoint(clock, 100).fetcher, slow, {
      credentialsResolverTimeoutMs: 1_000,
      maxConcurrentResolverCalls: 2,
    });
    const hung = await timed(clock, auth.getAccessToken('hangs'));
    expect(hung.ms).toBe(1_000);
    expect(hung).toMatchObject({
      ok: false,
      error: expect.any(SendfactCredentialsResolverError),
    });
    expect((hung as { error: unknown }).error).toMatchObject({
      code: 'CREDENTIALS_RESOLVER',
      timedOut: true,
      retryable: true,
    });
    // The hung call still holds its slot: one left for the ten ids below, one at a time.
    const ids = Array.from({ length: 10 }, (_, i) => `2099999990${i}`);
    await timed(clock, Promise.allSettled(ids.map((id) => auth.getAccessToken(id))));
    expect(db.most()).toBe(1);
  });

  it('times out a caller queued behind a resolver call that hangs, as it times out the hung call', async () => {
    const clock = new FakeClock();
    const auth = await boot(clock, endpoint(clock, 100).fetcher, neverAnswers, {
      credentialsResolverTimeoutMs: 1_000,
      maxConcurrentResolverCalls: 1,
    });
    const first = timed(clock, auth.getAccessToken('20999999901'));
    const queued = timed(clock, auth.getAccessToken('20999999902'));
    for (const outcome of await Promise.all([first, queued])) {
      expect(outcome).toMatchObject({ ok: false, ms: 1_000 });
      expect((outcome as { error: unknown }).error).toMatchObject({
        code: 'CREDENTIALS_RESOLVER',
        timedOut: true,
      });
    }
  });

  it('stops every caller of the resolver at close(), queued ones included, with no timer left and nothing made after', async () => {
    const clock = new KeepAliveClock();
    const { fetcher, requests } = endpoint(clock, 100);
    const asked: string[] = [];
    // A database that never answers; one call at a time, so the others queue for a turn.
    const auth = await boot(
      clock,
      fetcher,
      (id) => {
        asked.push(id);
        return new Promise<undefined>(() => {});
      },
      { maxConcurrentResolverCalls: 1, accounts: { acme: KNOWN['20100070970']! } },
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const outcomes: unknown[] = [];
    // More than Node's 10 listeners a signal before it warns: each waits on the module's closing signal.
    const ids = Array.from({ length: 40 }, (_, i) => `209999999${String(i).padStart(2, '0')}`);
    for (const id of ids)
      void auth.getAccessToken(id).then(
        () => outcomes.push('a token'),
        (error: unknown) => outcomes.push(error),
      );
    await flush();
    expect(asked).toEqual([ids[0]]);
    expect(clock.keepsAlive).toBe(true);
    await module!.close();
    module = undefined;
    // At once: the module's clock did not move.
    await flush();
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    expect(outcomes).toHaveLength(ids.length);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(SendfactAuthClosedError);
    expect(clock.armed).toEqual([]);
    // A configured account never used before, and a new id: refused, no token request, no resolver call.
    await expect(auth.getAccessToken('acme')).rejects.toBeInstanceOf(SendfactAuthClosedError);
    await expect(auth.getAccessToken('20999999999')).rejects.toBeInstanceOf(
      SendfactAuthClosedError,
    );
    expect(requests).toEqual([]);
    expect(asked).toEqual([ids[0]]);
    expect(clock.armed).toEqual([]);
  });

  it('gives a real company its cold token behind 1,000 unknown ids in no more than twice the time it takes alone', async () => {
    // Time is the module's clock: the resolver answers in 1 ms, Sendfact's token endpoint in 100 ms.
    const alone = new FakeClock();
    const first = await boot(alone, endpoint(alone, 100).fetcher, database(alone).resolver);
    const aloneMs = (await timed(alone, first.getAccessToken('20100070970'))).ms;
    await module?.close();

    const clock = new FakeClock();
    const db = database(clock);
    const { fetcher, requests } = endpoint(clock, 100);
    const auth = await boot(clock, fetcher, db.resolver);
    const unknown = Array.from({ length: 1_000 }, (_, i) =>
      auth.getAccessToken(`2099${String(i).padStart(7, '0')}`).catch(() => undefined),
    );
    const behind = await timed(clock, auth.getAccessToken('20100070970'));
    await Promise.all(unknown);
    expect(behind).toMatchObject({ ok: true });
    expect(behind.ms).toBeLessThanOrEqual(2 * aloneMs);
    expect(requests).toEqual(['20100070970']);
    expect(auth.activeAccounts).toEqual(['20100070970']);
  });

  it('returns the heap to within 5 MB of where it started after 10,000 unknown ids', async () => {
    // A collection before each reading, so that it counts what is held, not what is garbage.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = new FakeClock();
    const db = database(clock);
    const auth = await boot(clock, endpoint(clock, 100).fetcher, db.resolver);
    const heap = async () => {
      await flush();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await heap();
    for (let batch = 0; batch < 10; batch++) {
      const calls = Array.from({ length: 1_000 }, (_, i) =>
        auth
          .getAccessToken(`20${String(batch * 1_000 + i).padStart(9, '0')}-${'x'.repeat(100)}`)
          .catch(() => undefined),
      );
      await timed(clock, Promise.all(calls));
    }
    expect(db.calls.length).toBe(10_000);
    expect(auth.activeAccounts).toEqual([]);
    const after = await heap();
    expect(after - before).toBeLessThan(5 * 1024 * 1024);
  });
});
