import { SendfactAuthClosedError, SendfactTooManyAccountsError } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { AccountPool } from '../../lib/accounts/account-pool.js';
import { TokenCycle } from '../../lib/engine/token-cycle.js';
import { FakeClock, flush } from '../support/fake-clock.js';
import { FakeSource } from '../support/fake-fetcher.js';

function setup(maxAccounts: number) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const pool = new AccountPool({
    create: (accountId) => new TokenCycle({ accountId, source, clock }),
    clock,
    maxAccounts,
    idleTtlMs: 60_000,
  });
  return { clock, source, pool };
}

describe('AccountPool', () => {
  it('counts accounts with a token request under way, and refuses a new account when none is idle', async () => {
    const { pool, source } = setup(3);
    for (const id of ['a', 'b', 'c'])
      void pool
        .get(id)
        .token()
        .catch(() => {});
    await flush();
    expect(source.calls).toBe(3);
    expect(() => pool.get('d')).toThrow(SendfactTooManyAccountsError);
    expect(pool.size).toBe(3);
    expect(source.calls).toBe(3);
    pool.close();
  });

  it('past the cap, drops the least recently used idle account, never a busy one', async () => {
    const { pool, source, clock } = setup(3);
    void pool.get('a').token();
    await flush();
    source.succeed(); // a is idle now
    await clock.advance(10);
    void pool
      .get('b')
      .token()
      .catch(() => {}); // b stays busy
    await clock.advance(10);
    void pool.get('c').token();
    await flush();
    source.pending.splice(1, 1)[0]!.resolve({ accessToken: 'c', lifetimeMs: 120_000 });
    await clock.advance(10);
    pool.get('d');
    expect(pool.peek('a')).toBeUndefined(); // least recently used of the idle ones
    expect(pool.peek('b')).toBeDefined();
    expect(pool.size).toBe(3);
    pool.close();
  });

  it('drops and closes an account unused for idleTtlMs, never one with a token request under way', async () => {
    const { pool, source, clock } = setup(10);
    const a = pool.get('a');
    void a.token();
    await flush();
    source.succeed(); // a is idle now
    const b = pool.get('b');
    const busy = b.token().catch((error: unknown) => error);
    await flush();
    expect([...pool.accounts()]).toEqual([a, b]);
    await clock.advance(30_000);
    expect(pool.size).toBe(2); // not idle for long enough yet
    await clock.advance(30_000);
    expect([...pool.accounts()]).toEqual([b]);
    await expect(a.token()).rejects.toBeInstanceOf(SendfactAuthClosedError);
    expect(pool.get('a')).not.toBe(a); // made anew on next use
    pool.close();
    expect(pool.size).toBe(0);
    expect(await busy).toBeInstanceOf(SendfactAuthClosedError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('says which limit was reached, as a retryable error with its own code', () => {
    const error = new SendfactTooManyAccountsError(100, { accountId: 'acme' });
    expect(error).toMatchObject({ code: 'TOO_MANY_ACCOUNTS', retryable: true, maxAccounts: 100 });
    expect(error.message).toContain('maxAccounts');
  });
});
