import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { documentStatus, runAtOnce, startInProcess, tokenFor, tokenRequest } from './in-process.js';

const LOGIN = ['USER20515809822', 'stand-in-password'] as const;

/** A terminal on stdin, as far as the command can tell: keys are written to it. */
class FakeTerminal extends PassThrough {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(raw: boolean): this {
    this.rawModes.push(raw);
    return this;
  }
}

describe('stand-in --token-fault and --api-fault', () => {
  it('queues the faults in order: the token requests get them over HTTP, then tokens again', async () => {
    const standIn = await startInProcess([
      '--token-fault',
      '503,retry-after=30,count=2',
      '--token-fault',
      'reset,count=1',
    ]);
    try {
      expect(standIn.printed()).toContain(
        'Token requests misbehave: next 2: 503, Retry-After: 30; then next 1: reset before the headers.\n',
      );
      for (let i = 0; i < 2; i++) {
        const res = await tokenRequest(standIn.url, ...LOGIN);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('30');
        await res.arrayBuffer();
      }
      await expect(tokenRequest(standIn.url, ...LOGIN)).rejects.toThrow('fetch failed');
      expect((await tokenRequest(standIn.url, ...LOGIN)).status).toBe(200);
    } finally {
      expect(await standIn.stop()).toBe(0);
    }
  });

  it('without a count, fails every token request; --api-fault fails the other routes, not the token endpoint', async () => {
    const standIn = await startInProcess(['--api-fault', '502,count=1', '--token-seconds', '60']);
    try {
      expect(standIn.printed()).toContain('API requests misbehave: next 1: 502.\n');
      const token = await tokenFor(standIn.url, ...LOGIN);
      expect(await documentStatus(standIn.url, token)).toBe(502);
      expect(await documentStatus(standIn.url, token)).toBe(404);
    } finally {
      await standIn.stop();
    }

    const failing = await startInProcess(['--token-fault', '429']);
    try {
      expect(failing.printed()).toContain('Token requests misbehave: all: 429.\n');
      for (let i = 0; i < 3; i++)
        expect((await tokenRequest(failing.url, ...LOGIN)).status).toBe(429);
    } finally {
      await failing.stop();
    }
  });

  it.each([
    [['--token-fault', 'explode'], '--token-fault explode: unknown fault "explode"'],
    [
      ['--token-fault', '99'],
      '--token-fault 99: the status must be a whole number from 200 to 599',
    ],
    [
      ['--token-fault', 'hang,retry-after=5'],
      '--token-fault hang,retry-after=5: retry-after goes with a status',
    ],
    [['--token-fault', '503,count=0'], 'count must be a whole number from 1 to 10000'],
    [
      ['--token-fault', '503,count=2,count=3'],
      '--token-fault 503,count=2,count=3 gives count twice',
    ],
    [['--token-fault', '503,tries=2'], 'unknown option "tries=2"'],
    [['--token-fault', 'delay'], '--token-fault delay: delay needs a value, e.g. delay=2000'],
    [['--token-fault', 'hang=1'], '--token-fault hang=1: hang takes no value'],
    [
      ['--token-fault', '503', '--token-fault', 'hang'],
      '--token-fault hang is never reached: --token-fault 503 takes every request from then on; give it a count',
    ],
    [['--api-fault', 'reset,count=all', '--api-fault', '500'], '--api-fault 500 is never reached'],
  ])('refuses stand-in %j (exit 2)', async (args, message) => {
    const { code, stderr } = await runAtOnce(['stand-in', ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

describe('stand-in keys, when stdin is a terminal', () => {
  it('r revokes every token issued so far, c forgets the faults, Ctrl+C stops and gives the terminal back', async () => {
    const terminal = new FakeTerminal();
    const standIn = await startInProcess(['--api-fault', '500,count=5'], terminal);
    expect(terminal.rawModes).toEqual([true]);
    expect(standIn.printed()).toContain(
      `To revoke every token issued so far: press r, or kill -USR2 ${process.pid}; c forgets the faults\n`,
    );

    const before = await tokenFor(standIn.url, ...LOGIN);
    expect(await documentStatus(standIn.url, before)).toBe(500);
    terminal.write('c');
    await standIn.until('Forgot the faults still queued (key c)');
    expect(await documentStatus(standIn.url, before)).toBe(404);

    terminal.write('r');
    await standIn.until('Revoked every token issued so far (key r)');
    expect(await documentStatus(standIn.url, before)).toBe(401);
    expect(await documentStatus(standIn.url, await tokenFor(standIn.url, ...LOGIN))).toBe(404);

    terminal.write('\u0003');
    expect(await standIn.exit).toBe(0);
    expect(standIn.printed()).toContain('Stopped (Ctrl+C).');
    expect(terminal.rawModes).toEqual([true, false]);
    expect(terminal.isPaused()).toBe(true);
  });

  it('leaves stdin alone when it is no terminal: no raw mode, no key read', async () => {
    const pipe = new PassThrough();
    const standIn = await startInProcess([], pipe);
    expect(standIn.printed()).toContain('To revoke every token issued so far: kill -USR2 ');
    expect(standIn.printed()).not.toContain('press r');
    expect(pipe.listenerCount('data')).toBe(0);
    expect(await standIn.stop()).toBe(0);
  });
});
