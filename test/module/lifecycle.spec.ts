import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Clock, type TimerHandle, systemClock } from 'nestjs-sendfact-auth';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.js';

/** The real clock, counting the timers it has pending. */
class CountingClock implements Clock {
  live = 0;
  now = () => systemClock.now();
  wallNow = () => systemClock.wallNow();
  setTimer(fn: () => void, ms: number): TimerHandle {
    this.live++;
    let done = false;
    const finish = () => {
      if (!done) this.live--;
      done = true;
    };
    const timer = systemClock.setTimer(() => {
      finish();
      fn();
    }, ms);
    return {
      cancel: () => {
        finish();
        timer.cancel();
      },
    };
  }
}

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
