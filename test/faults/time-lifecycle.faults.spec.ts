import { firstValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { SendfactAbortedError, SendfactAuthClosedError } from 'nestjs-sendfact-auth';
import {
  type FaultApp,
  INVOICE,
  SecretsWitness,
  outcome,
  startFaultApp,
  until,
  useWitness,
} from '../support/fault-harness.js';

const witness = new SecretsWitness();
let t: FaultApp | undefined;
const TEN_MINUTES = 10 * 60_000;

useWitness(witness, async () => {
  vi.useRealTimers();
  await t?.close();
  t = undefined;
});

/** Active handles by kind (sockets, servers, timers), as Node reports them. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

describe('time faults', () => {
  it('keeps serving the held token, with no token request, when the wall clock jumps 10 minutes forward and back', async () => {
    t = await startFaultApp(witness, {}, { tokenLifetimeSeconds: 30 });
    const token = await t.auth.getAccessToken();
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const jump of [TEN_MINUTES, -TEN_MINUTES, TEN_MINUTES]) {
      vi.setSystemTime(Date.now() + jump);
      expect(await t.auth.getAccessToken()).toBe(token);
      expect(t.auth.getTokenState().status).toBe('valid');
      const response = await firstValueFrom(t.http.post('/api/cpe/sign', INVOICE));
      expect(response.status).toBe(200);
    }
    expect(t.tokenRequests()).toBe(1);
  });

  it('still refreshes on the monotonic schedule (not late) after the wall clock jumped 10 minutes back', async () => {
    t = await startFaultApp(witness, {}, { tokenLifetimeSeconds: 1 });
    const token = await t.auth.getAccessToken();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - TEN_MINUTES);
    const app = t;
    await until(() => app.auth.getTokenState().status !== 'valid', 'the token is due');
    // Due on the monotonic clock: this call starts the refresh (and still gets the held token).
    await t.auth.getAccessToken();
    await until(
      () => app.tokenRequests() === 2 && !app.auth.getTokenState().refreshing,
      'the refresh',
    );
    expect(await t.auth.getAccessToken()).not.toBe(token);
    expect(t.tokenRequests()).toBe(2);
    const response = await firstValueFrom(t.http.post('/api/cpe/sign', INVOICE));
    expect(response.status).toBe(200);
    expect(t.standIn.stats.unauthorized.expired).toBe(0);
  });
});

describe('lifecycle faults', () => {
  it('settles a refresh in flight with SendfactAuthClosedError on app.close() and leaves no socket or timer running', async () => {
    const before = handles();
    const app = await startFaultApp(witness, { timeoutMs: 60_000 });
    t = app;
    app.standIn.failNextTokenRequests(1, { type: 'hang' });
    const pending = outcome(witness, app.auth.getAccessToken());
    await until(() => app.tokenRequests() === 1, 'the token request reaches the stand-in');
    await app.close();
    const result = await pending;
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(SendfactAuthClosedError);
    expect(app.auth.getTokenState().refreshing).toBe(false);
    const after = await outcome(witness, app.auth.getAccessToken());
    expect((after as { error: unknown }).error).toBeInstanceOf(SendfactAuthClosedError);
    expect(app.tokenRequests()).toBe(1);
    const settled = () =>
      ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].every(
        (kind) => (handles().get(kind) ?? 0) <= (before.get(kind) ?? 0),
      );
    await until(settled, 'every socket, server and timer of the app is gone');
  });

  it('rejects only the caller that aborts its wait (SendfactAbortedError); the others get the token from the same request', async () => {
    const app = await startFaultApp(witness);
    t = app;
    app.standIn.failNextTokenRequests(1, { type: 'delay', ms: 1_500 });
    const controller = new AbortController();
    const quitter = outcome(
      witness,
      app.auth.getAccessToken(undefined, { signal: controller.signal }),
    );
    const stayers = Array.from({ length: 5 }, () => outcome(witness, app.auth.getAccessToken()));
    await until(() => app.tokenRequests() === 1, 'the token request reaches the stand-in');
    controller.abort();
    const quit = await quitter;
    expect((quit as { error: unknown }).error).toBeInstanceOf(SendfactAbortedError);
    expect(app.auth.getTokenState().refreshing).toBe(true);
    const stayed = await Promise.all(stayers);
    expect(stayed.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(stayed.map((r) => (r as { value: string }).value)).size).toBe(1);
    expect(app.tokenRequests()).toBe(1);
  });

  it('rejects an HTTP request abandoned by its AbortSignal while waiting for a token; the other requests go through on the same token request', async () => {
    const app = await startFaultApp(witness);
    t = app;
    app.standIn.failNextTokenRequests(1, { type: 'delay', ms: 1_500 });
    const controller = new AbortController();
    const quitter = outcome(
      witness,
      firstValueFrom(app.http.post('/api/cpe/sign', INVOICE, { signal: controller.signal })),
    );
    const stayers = Array.from({ length: 5 }, () =>
      outcome(witness, firstValueFrom(app.http.post('/api/cpe/sign', INVOICE))),
    );
    await until(() => app.tokenRequests() === 1, 'the token request reaches the stand-in');
    controller.abort();
    expect((await quitter).ok).toBe(false);
    const stayed = await Promise.all(stayers);
    expect(stayed.map((r) => r.ok && r.value.status)).toEqual(Array(5).fill(200));
    expect(app.tokenRequests()).toBe(1);
    expect(app.standIn.stats.apiRequests).toBe(5);
  });
});

describe('secrets, after every time and lifecycle fault above', () => {
  it('leaks neither the password nor any full token in log lines, errors or inspected options', () => {
    expect(witness.tokens.size).toBeGreaterThan(3);
    expect(witness.errors).toBeGreaterThanOrEqual(3);
    expect(witness.leaks()).toEqual([]);
  });
});
