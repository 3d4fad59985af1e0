import { SendfactTooManyAccountsError, TokenEngine } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { TokenEnginePool } from '../../lib/engine/token-engine-pool.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import { FakeFetcher } from '../support/fake-fetcher.js';

function setup(maxEngines: number) {
  const clock = new FakeClock();
  const fetcher = new FakeFetcher();
  const pool = new TokenEnginePool({
    create: (accountId) => new TokenEngine({ accountId, fetcher: fetcher.fetch, clock }),
    clock,
    maxEngines,
    idleTtlMs: 60_000,
  });
  return { clock, fetcher, pool };
}

describe('TokenEnginePool', () => {
  it('counts engines with a token request under way, and refuses a new account when none is idle', async () => {
    const { pool, fetcher } = setup(3);
    for (const id of ['a', 'b', 'c'])
      void pool
        .get(id)
        .getToken()
        .catch(() => {});
    await flush();
    expect(fetcher.calls).toBe(3);
    expect(() => pool.get('d')).toThrow(SendfactTooManyAccountsError);
    expect(pool.size).toBe(3);
    expect(fetcher.calls).toBe(3);
    pool.close();
  });

  it('past the cap, drops the least recently used idle engine, never a busy one', async () => {
    const { pool, fetcher, clock } = setup(3);
    void pool.get('a').getToken();
    await flush();
    fetcher.succeed(); // a is idle now
    await clock.advance(10);
    void pool
      .get('b')
      .getToken()
      .catch(() => {}); // b stays busy
    await clock.advance(10);
    void pool.get('c').getToken();
    await flush();
    fetcher.pending.splice(1, 1)[0]!.resolve({ accessToken: 'c', lifetimeMs: 120_000 });
    await clock.advance(10);
    pool.get('d');
    expect(pool.peek('a')).toBeUndefined(); // least recently used of the idle ones
    expect(pool.peek('b')).toBeDefined();
    expect(pool.size).toBe(3);
    pool.close();
  });

  it('says which limit was reached, as a retryable error with its own code', () => {
    const error = new SendfactTooManyAccountsError(100, { accountId: 'acme' });
    expect(error).toMatchObject({ code: 'TOO_MANY_ACCOUNTS', retryable: true, maxAccounts: 100 });
    expect(error.message).toContain('maxAccounts');
  });
});
