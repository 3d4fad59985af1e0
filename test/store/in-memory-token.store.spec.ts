import { InMemoryTokenStore } from 'nestjs-sendfact-auth';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

/** A clock the test moves by hand. */
function manualClock() {
  const clock = { now: 0 };
  return { clock, now: () => clock.now };
}

const token = (n: number) => ({ accessToken: `token-${n}`, lifetimeMs: 120_000 });
/** What the module stores a 120 s token for: until its safety margin. */
const TTL_MS = 110_000;
const LEASE_MS = 11_000;

/** Timers the process holds now. */
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('InMemoryTokenStore', () => {
  it('holds one token and no lease after 3,000 rotations of one account token', async () => {
    const { clock, now } = manualClock();
    const store = new InMemoryTokenStore(now);
    for (let n = 0; n < 3_000; n++) {
      const lease = await store.acquireLease('acme', LEASE_MS);
      expect(lease).toBeDefined();
      await store.set('acme', token(n), TTL_MS);
      await store.releaseLease('acme', lease!);
      clock.now += 90_000; // the refresh point of a 120 s token
    }
    expect(store.size).toBe(1);
    expect(inspect(store)).toBe('InMemoryTokenStore { tokens: 1, leases: 0 }');
  });

  it('holds only the live key after 3,000 password rotations, each a new key, never reading the old ones', async () => {
    const { clock, now } = manualClock();
    const store = new InMemoryTokenStore(now);
    for (let n = 0; n < 3_000; n++) {
      // A lease its holder never gives back (it died), and a token nobody reads again once rotated.
      await store.acquireLease(`acme-${n}`, LEASE_MS);
      await store.set(`acme-${n}`, token(n), TTL_MS);
      clock.now += 120_000;
    }
    await store.set('acme-live', token(3_000), TTL_MS);
    expect(store.size).toBe(1);
    expect(inspect(store)).toBe('InMemoryTokenStore { tokens: 1, leases: 0 }');
    expect(await store.get('acme-live')).toMatchObject({ accessToken: 'token-3000' });
  });

  it('holds only the live tokens after 10,000 accounts whose tokens expired', async () => {
    const { clock, now } = manualClock();
    const store = new InMemoryTokenStore(now);
    for (let n = 0; n < 10_000; n++) {
      const lease = await store.acquireLease(`company-${n}`, LEASE_MS);
      await store.set(`company-${n}`, token(n), TTL_MS);
      // Half the holders give their lease back; the others die holding it.
      if (n % 2 === 0) await store.releaseLease(`company-${n}`, lease!);
    }
    expect(store.size).toBe(10_000);
    expect(inspect(store)).toBe('InMemoryTokenStore { tokens: 10000, leases: 5000 }');
    clock.now += TTL_MS;
    // The next write, for two other accounts, finds them all expired.
    await store.set('company-a', token(-1), TTL_MS);
    await store.acquireLease('company-b', LEASE_MS);
    expect(store.size).toBe(1);
    expect(inspect(store)).toBe('InMemoryTokenStore { tokens: 1, leases: 1 }');
  });

  it('keeps the tokens that still live when it sweeps, and hands them out as before', async () => {
    const { clock, now } = manualClock();
    const store = new InMemoryTokenStore(now);
    await store.set('short', token(1), 10_000);
    await store.set('long', token(2), TTL_MS);
    clock.now += 10_000;
    await store.set('other', token(3), TTL_MS);
    expect(store.size).toBe(2);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toEqual({ ...token(2), remainingMs: TTL_MS - 10_000 });
  });

  it('arms no timer: nothing keeps the process alive', async () => {
    const before = timers();
    const store = new InMemoryTokenStore();
    for (let n = 0; n < 100; n++) {
      const lease = await store.acquireLease(`company-${n}`, LEASE_MS);
      await store.set(`company-${n}`, token(n), 1);
      await store.releaseLease(`company-${n}`, lease!);
    }
    expect(timers()).toBe(before);
  });
});
