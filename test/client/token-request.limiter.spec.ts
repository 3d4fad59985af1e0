import type { TokenGrant } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../lib/client/token-request.limiter.js';
import { NOBODY_WAITS } from '../../lib/engine/clock.js';
import type { TokenRequest, TokenSource } from '../../lib/interfaces/token-source.interface.js';
import { flush } from '../support/fake-clock.js';

/** A promise the test settles by hand. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const ask = (signal = new AbortController().signal): TokenRequest => ({
  signal,
  keepAlive: NOBODY_WAITS,
});

/** A source whose token requests the test answers one by one, in the order they came. */
class GatedSource implements TokenSource {
  readonly pending: ReturnType<typeof gate<TokenGrant>>[] = [];
  readonly refusedTokens: string[] = [];
  token(): Promise<TokenGrant> {
    const g = gate<TokenGrant>();
    this.pending.push(g);
    return g.promise;
  }
  refused(accessToken: string): void {
    this.refusedTokens.push(accessToken);
  }
}

const grant = (accessToken: string): TokenGrant => ({ accessToken, lifetimeMs: 120_000 });

describe('ConcurrencyLimiter', () => {
  it('gives at most the cap of slots at once, to the queued callers in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const started: number[] = [];
    const acquired = Array.from({ length: 6 }, (_, i) =>
      limiter.acquire().then(() => started.push(i)),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 4]);
    // Slots come back one at a time: the queue still starts in arrival order.
    limiter.release();
    await flush();
    limiter.release();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 4; i++) limiter.release();
    await Promise.all(acquired);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('never lets a newcomer take the slot given back to a queued caller', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const started: string[] = [];
    await limiter.acquire();
    const b = limiter.acquire().then(() => started.push('b'));
    limiter.release(); // b takes the slot at once, before c arrives
    const c = limiter.acquire().then(() => started.push('c'));
    await flush();
    expect(started).toEqual(['b']);
    limiter.release();
    await Promise.all([b, c]);
    expect(started).toEqual(['b', 'c']);
  });

  it('takes an aborted waiter out of the queue, holding no slot, and keeps the order of the rest', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const started: string[] = [];
    const a = limiter.acquire().then(() => started.push('a'));
    const controller = new AbortController();
    const b = limiter.acquire(controller.signal).then(() => started.push('b'));
    const c = limiter.acquire().then(() => started.push('c'));
    await flush();
    controller.abort(new Error('gave up'));
    await expect(b).rejects.toThrow('gave up');
    expect(limiter.queued).toBe(1);
    limiter.release();
    await Promise.all([a, c]);
    expect(started).toEqual(['a', 'c']);
    expect([limiter.active, limiter.queued]).toEqual([1, 0]);
  });

  it('refuses a caller whose signal fired already, without queueing it', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const controller = new AbortController();
    controller.abort(new Error('gave up'));
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('gave up');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });
});

describe('a source behind the limiter', () => {
  it('holds a slot for the whole token request: the next one starts only once it settled', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const inner = new GatedSource();
    const source = limiter.limit(inner);
    const first = source.token(ask());
    const second = source.token(ask());
    await flush();
    expect(inner.pending).toHaveLength(1);
    expect([limiter.active, limiter.queued]).toEqual([1, 1]);
    inner.pending[0]!.open(grant('first'));
    expect((await first).accessToken).toBe('first');
    await flush();
    expect(inner.pending).toHaveLength(2);
    inner.pending[1]!.open(grant('second'));
    expect((await second).accessToken).toBe('second');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('gives its slot back when the token request fails, which goes to that caller only', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const inner = new GatedSource();
    const source = limiter.limit(inner);
    const failing = source.token(ask());
    const next = source.token(ask());
    await flush();
    inner.pending[0]!.fail(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await flush();
    expect(inner.pending).toHaveLength(2);
    inner.pending[1]!.open(grant('ok'));
    expect((await next).accessToken).toBe('ok');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('never asks its source for a caller that gave up while queued', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const inner = new GatedSource();
    const source = limiter.limit(inner);
    const first = source.token(ask());
    const controller = new AbortController();
    const queued = source.token(ask(controller.signal));
    await flush();
    controller.abort(new Error('closing'));
    await expect(queued).rejects.toThrow('closing');
    inner.pending[0]!.open(grant('first'));
    await first;
    expect(inner.pending).toHaveLength(1);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('passes a refused token on to its source', () => {
    const inner = new GatedSource();
    new ConcurrencyLimiter(1).limit(inner).refused?.('a.b.c');
    expect(inner.refusedTokens).toEqual(['a.b.c']);
  });
});
