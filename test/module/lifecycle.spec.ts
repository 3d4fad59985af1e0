import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Clock, type TimerHandle, type TimerOptions } from 'nestjs-sendfact-auth';
import { systemClock } from '../../lib/engine/clock.js';
import {
  STAND_IN_DEFAULT_ACCOUNT,
  type SendfactStandIn,
  startSendfactStandIn,
} from 'nestjs-sendfact-auth/testing';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.js';

/** The real clock, counting the timers it has pending. */
class CountingClock implements Clock {
  live = 0;
  now = () => systemClock.now();
  wallNow = () => systemClock.wallNow();
  setTimer(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    this.live++;
    let done = false;
    const finish = () => {
      if (!done) this.live--;
      done = true;
    };
    const timer = systemClock.setTimer(
      () => {
        finish();
        fn();
      },
      ms,
      options,
    );
    return {
      cancel: () => {
        finish();
        timer.cancel();
      },
    };
  }
}

/** Runs a fixture script on Node; a process kept alive too long is killed at 15 s with a non-zero code. */
function runScript(
  name: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [script, ...args],
      { timeout: 15_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a script awaiting a token (createApplicationContext, then getAccessToken)', () => {
  const { username, password } = STAND_IN_DEFAULT_ACCOUNT;

  /** Runs await-token.mjs (with `variant`'s arguments) against a fresh stand-in, set up by `prepare`: what it printed, its exit, its token requests. */
  async function runForToken(
    variant: string[],
    prepare: (standIn: SendfactStandIn) => void = () => undefined,
  ) {
    const standIn = await startSendfactStandIn();
    try {
      prepare(standIn);
      const { code, stdout, stderr } = await runScript('await-token.mjs', [
        standIn.url,
        username,
        password,
        ...variant,
      ]);
      const printedToken = /^token ey\.\.\.$/m.test(stdout);
      return { code, stderr, printedToken, tokenRequests: standIn.stats.tokenRequests };
    } finally {
      await standIn.close();
    }
  }

  it('stays alive through two 503s and their backoffs, and prints its token', async () => {
    const run = await runForToken([], (standIn) =>
      standIn.failNextTokenRequests(2, { type: 'status', status: 503 }),
    );
    expect(run).toEqual({ code: 0, stderr: '', printedToken: true, tokenRequests: 3 });
  });

  it('pointed at a closed port, fails with a non-zero exit and an error naming the host, not a silent 0', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await runScript('await-token.mjs', [
      `http://127.0.0.1:${port}`,
      username,
      password,
    ]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^failed: SendfactTokenRequestError: .*127\.0\.0\.1/m);
    expect(code).not.toBe(0);
  });

  it('through an adapter that holds no socket and never answers, stays alive to its time limit and fails loudly', async () => {
    const { code, stdout, stderr } = await runScript('await-token.mjs', [
      'https://sendfact.invalid',
      username,
      password,
      'silent-adapter',
    ]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^failed: SendfactTokenRequestError: .*timed out after 500 ms/m);
    expect(code).toBe(1);
  });

  it('through a token store whose reads never answer, stays alive past the store call limit and prints its token', async () => {
    const run = await runForToken(['hung-store']);
    expect(run).toEqual({ code: 0, stderr: '', printedToken: true, tokenRequests: 1 });
  });
});

describe('a script that gives up on its token (its AbortSignal fires) and leaves the app open', () => {
  const { username, password } = STAND_IN_DEFAULT_ACCOUNT;

  it('exits on its own during a 60 s Retry-After backoff that nobody waits on any more', async () => {
    const standIn = await startSendfactStandIn();
    try {
      standIn.failNextTokenRequests(1, {
        type: 'status',
        status: 503,
        headers: { 'retry-after': '60' },
      });
      const { code, stdout, stderr } = await runScript('abandon-token.mjs', [
        standIn.url,
        username,
        password,
      ]);
      expect(stderr).toBe('');
      expect(stdout).toBe('backing off 60000 ms\ngave up: SendfactAbortedError\n');
      // Exited by itself: a backoff still holding the process would have it killed at 15 s, code non-zero.
      expect(code).toBe(0);
      expect(standIn.stats.tokenRequests).toBe(1);
    } finally {
      await standIn.close();
    }
  });
});

describe('lifecycle', () => {
  it('clears every timer of the module on app.close()', async () => {
    const clock = new CountingClock();
    const t = await startTestApp(
      { clock, proactiveRefresh: true, refresh: { refreshAheadRatio: 0.1 } },
      { tokenLifetimeSeconds: 30 },
    );
    await t.auth.getAccessToken();
    expect(clock.live).toBe(1); // the proactive refresh
    await t.close();
    expect(clock.live).toBe(0);
  });

  it('settles a refresh in flight and leaves nothing that keeps the process alive after app.close()', async () => {
    const script = fileURLToPath(new URL('../fixtures/close-and-exit.mjs', import.meta.url));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>(
      (resolve) => {
        const child = execFile(process.execPath, [script], { timeout: 15_000 }, (error, out) =>
          resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout: out }),
        );
        child.stdin?.end();
      },
    );
    expect(stdout).toContain('pending refresh settled as SendfactAuthClosedError');
    expect(stdout).toContain('closed');
    expect(code).toBe(0); // exited by itself: a process kept alive is killed at 15 s with a non-zero code
  });
});
