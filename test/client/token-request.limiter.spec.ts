import { describe, expect, it } from 'vitest';
import { TokenRequestLimiter } from '../../lib/client/token-request.limiter.js';
import { flush } from '../support/fake-clock.js';

/** A task the test finishes by hand. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('TokenRequestLimiter', () => {
  it('runs at most the cap at once and serves the queued callers in arrival order', async () => {
    const limiter = new TokenRequestLimiter(2);
    const gates = Array.from({ length: 6 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await g.promise;
        running--;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(4);
    // Finish them out of order: the queue still starts in arrival order.
    gates[1]!.open();
    await flush();
    gates[0]!.open();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('takes an aborted waiter out of the queue, without running its task, and keeps the order of the rest', async () => {
    const limiter = new TokenRequestLimiter(1);
    const first = gate();
    const started: string[] = [];
    const task = (name: string, wait?: Promise<void>) => async () => {
      started.push(name);
      await wait;
      return name;
    };
    const a = limiter.run(task('a', first.promise));
    const controller = new AbortController();
    const b = limiter.run(task('b'), controller.signal);
    const c = limiter.run(task('c'));
    await flush();
    controller.abort(new Error('gave up'));
    await expect(b).rejects.toThrow('gave up');
    expect(limiter.queued).toBe(1);
    first.open();
    expect(await Promise.all([a, c])).toEqual(['a', 'c']);
    expect(started).toEqual(['a', 'c']);
  });

  it('frees its place when a task fails, and passes the failure to that caller only', async () => {
    const limiter = new TokenRequestLimiter(1);
    const failing = limiter.run(() => Promise.reject(new Error('boom')));
    const next = limiter.run(async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ok');
    expect(limiter.active).toBe(0);
  });
});
