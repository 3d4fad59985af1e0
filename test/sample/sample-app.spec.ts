import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../dist-sample/main.js', import.meta.url));

/** The environment of a fresh clone: no Sendfact credentials. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SENDFACT_')) delete env[name];
  return { ...env, SENDFACT_STAND_IN_TOKEN_SECONDS: '2' };
}

describe('the sample app', () => {
  it('runs the --once walkthrough against the stand-in with no credentials and exits 0', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [main, '--once'],
        { env: cleanEnv(), timeout: 30_000 },
        (error, out) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out }),
      );
    });
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const step = (n: number) => lines.find((l) => l.startsWith(`[sample] ${n}. `)) ?? '';
    expect(lines[0]).toMatch(/using the local Sendfact stand-in at http:\/\/127\.0\.0\.1:\d+/);
    expect(step(1)).toMatch(
      /Token obtained \(fingerprint [0-9a-f]{12}\): expires at .* \(in 2\.0 s\)/,
    );
    expect(step(2)).toMatch(/Invoice 20515809822-01-F001-1 signed: hash \S+/);
    expect(step(3)).toContain('Invoice sent: La Factura numero F001-1, ha sido aceptada');
    expect(step(4)).toContain('Status read: document_status 1 (Aceptado)');
    expect(step(5)).toContain('Token reused: 3 calls so far, 1 token request');
    expect(step(7)).toMatch(
      /Token refreshed in the background before expiry: .* 2 token requests in all/,
    );
    expect(stdout).toContain('Done (--once).');
    expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/); // never a token
  });

  it('serves POST /invoices, GET /invoices/:fileName/status, GET /token and GET /health, and stops on SIGINT', async () => {
    const child: ChildProcess = spawn(process.execPath, [main, '--port', '0'], { env: cleanEnv() });
    let out = '';
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no server in time:\n${out}`)), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Serving the sample API on (http:\/\/localhost:\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    try {
      const issued = await fetch(`${base}/invoices`, { method: 'POST' });
      expect(issued.status).toBe(201);
      const { fileName } = (await issued.json()) as { fileName: string };
      const status = await (await fetch(`${base}/invoices/${fileName}/status`)).json();
      expect(status).toEqual({ fileName, documentStatus: 1, message: 'Aceptado', rejected: false });
      const missing = await fetch(`${base}/invoices/20515809822-01-F999-9/status`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ errors: ['0100 - El comprobante no existe'] });
      const token = await (await fetch(`${base}/token`)).json();
      expect(token).toMatchObject({
        accountId: 'default',
        usable: true,
        fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
      });
      expect(JSON.stringify(token)).not.toMatch(/eyJ/);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        // Up whatever the 2 s token's phase: nothing has failed.
        info: { sendfact: { status: 'up', accountId: 'default', consecutiveFailures: 0 } },
      });
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});
