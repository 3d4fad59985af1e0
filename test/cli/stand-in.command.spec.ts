import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentStatus, tokenFor } from './in-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The command as npm installs it: the built file package.json's `bin` names. */
const bin = join(root, pkg.bin['nestjs-sendfact-auth']);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Starts `stand-in` and resolves once it has printed everything up to `Ctrl+C to stop.`; `until(text)` resolves
 * once it has printed `text`.
 */
function start(
  args: string[],
): Promise<{ child: ChildProcess; printed: () => string; until: (text: string) => Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'stand-in', ...args]);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const until = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!out.includes(text)) return;
        child.stdout!.off('data', check);
        child.off('exit', early);
        resolve();
      };
      const early = (code: number | null) =>
        reject(new Error(`exited ${code} before printing ${JSON.stringify(text)}:\n${out}`));
      child.stdout!.on('data', check);
      child.on('exit', early);
      check();
    });
  return until('Ctrl+C to stop.').then(() => ({ child, printed: () => out, until }));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

describe('npx nestjs-sendfact-auth stand-in', () => {
  it('is a node script with a shebang, built where package.json bin points', () => {
    expect(pkg.bin).toEqual({ 'nestjs-sendfact-auth': './dist/esm/cli/nestjs-sendfact-auth.js' });
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('prints its URL, the login it accepts and the env lines; issues tokens; exits 0 on SIGTERM', async () => {
    const { child, printed } = await start(['--port', '0', '--token-seconds', '90']);
    const url = /SENDFACT_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)\n/.exec(printed())?.[1];
    expect(url).toBeDefined();
    expect(printed()).toContain(`Sendfact stand-in listening on ${url}\n`);
    expect(printed()).toContain('SENDFACT_USERNAME=USER20515809822\n');
    expect(printed()).toContain('SENDFACT_PASSWORD=stand-in-password\n');
    try {
      const res = await fetch(`${url}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'USER20515809822', password: 'stand-in-password' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        access_token: expect.stringMatching(/^eyJ/),
        token_type: 'JWT',
        expires_in: '90',
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
    expect(printed()).toContain('Stopped (SIGTERM).');
    await expect(fetch(`${url}/api/auth/token`, { method: 'POST' })).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('accepts the login it is given, and stops on SIGINT too', async () => {
    const login = ['--username', 'USER20100070970', '--password', 'dev-pw'];
    const { child, printed } = await start(['--port', '0', ...login]);
    const url = /SENDFACT_BASE_URL=(\S+)/.exec(printed())![1]!;
    expect(printed()).toContain('SENDFACT_USERNAME=USER20100070970\nSENDFACT_PASSWORD=dev-pw\n');
    const token = (body: unknown) =>
      fetch(`${url}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((res) => res.status);
    expect(await token({ username: 'USER20100070970', password: 'dev-pw' })).toBe(200);
    expect(await token({ username: 'USER20515809822', password: 'stand-in-password' })).toBe(401);
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
  });

  it('--help prints the usage and exits 0; bad arguments say what is wrong and exit 2', async () => {
    const help = await run(['stand-in', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: nestjs-sendfact-auth stand-in \[options\]/);
    for (const listed of [
      '--port <n>',
      '--host <address>',
      '--token-seconds <n>',
      '--account [ID=]USERNAME:PASSWORD',
      '--username <name>',
      '--password <text>',
      '--token-fault <fault>',
      '--api-fault <fault>',
      '503,retry-after=30,count=2',
      'hang',
      'reset-after-headers',
      'delay=<ms>',
      'trickle=<ms>',
      'content-type=<type>',
      'kill -USR2 <pid>',
    ])
      expect(help.stdout).toContain(listed);
    expect((await run(['--help'])).code).toBe(0);

    for (const [args, message] of [
      [['stand-in', '--port', 'x'], '--port must be a whole number from 0 to 65535'],
      [['stand-in', '--token-seconds', '0'], '--token-seconds must be a number of seconds above 0'],
      [['stand-in', '--tokens', '5'], "Unknown option '--tokens'"],
      [['serve'], 'Unknown command "serve"'],
      [[], 'Name a command'],
    ] as const) {
      const result = await run([...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('Usage:');
    }
  });

  it('revokes every token issued so far on SIGUSR2: the old token gets 401, a new one works', async () => {
    const { child, printed, until } = await start(['--port', '0']);
    const url = /SENDFACT_BASE_URL=(\S+)/.exec(printed())![1]!;
    // stdin is a pipe here, not a terminal: the command leaves it alone and offers no key.
    expect(printed()).toContain(`To revoke every token issued so far: kill -USR2 ${child.pid}\n`);
    try {
      const before = await tokenFor(url, 'USER20515809822', 'stand-in-password');
      expect(await documentStatus(url, before)).toBe(404);
      child.kill('SIGUSR2');
      await until('Revoked every token issued so far (SIGUSR2)');
      expect(await documentStatus(url, before)).toBe(401);
      const after = await tokenFor(url, 'USER20515809822', 'stand-in-password');
      expect(await documentStatus(url, after)).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  it('says so and exits 1 when the port is taken', async () => {
    const { child, printed } = await start(['--port', '0']);
    const port = new URL(/SENDFACT_BASE_URL=(\S+)/.exec(printed())![1]!).port;
    try {
      const second = await run(['stand-in', '--port', port]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}: `);
      expect(second.stderr).toContain('EADDRINUSE');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });
});
