import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanEnv, exited, main, serve } from './sample-process.js';

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

  it('prints the token-request spans and metrics with --telemetry, and no token', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [main, '--once', '--telemetry'],
        { env: cleanEnv(), timeout: 30_000 },
        (error, out) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out }),
      );
    });
    expect(code).toBe(0);
    // The cold start and the background refresh: one span each, both ok.
    expect(stdout.match(/name: 'sendfact\.auth\.token_request'/g)).toHaveLength(2);
    expect(stdout).toContain("'sendfact.auth.token.background': true");
    expect(stdout).toContain("'sendfact.auth.token.outcome': 'ok'");
    for (const metric of ['token.requests', 'token.request.duration'])
      expect(stdout).toContain(`name: 'sendfact.auth.${metric}'`);
    expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/); // never a token
  });

  it('serves POST /invoices, GET /invoices/:fileName/status, GET /token and GET /health on 127.0.0.1, and stops on SIGINT', async () => {
    const env = cleanEnv();
    delete env['HOST'];
    const { child, base, output } = await serve(env);
    // Loopback by default: the sample's API has no authentication.
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    try {
      const issued = await fetch(`${base}/invoices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(issued.status).toBe(201);
      const { fileName } = (await issued.json()) as { fileName: string };
      const status = await (await fetch(`${base}/invoices/${fileName}/status`)).json();
      expect(status).toEqual({
        fileName,
        documentStatus: 1,
        state: 'Accepted',
        message: 'Aceptado',
        rejected: false,
      });
      // Sendfact's errors reach the caller through SendfactExceptionFilter.
      const missing = await fetch(`${base}/invoices/20515809822-01-F999-9/status`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ errors: ['0100 - El comprobante no existe'] });
      const badName = await fetch(`${base}/invoices/oops/status`);
      expect(badName.status).toBe(422);
      expect(await badName.json()).toMatchObject({
        message: 'Sendfact rejected the document',
        errors: [expect.stringMatching(/^0151 - /)],
      });
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
    expect(await exited(child)).toBe(0);
    expect(output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('listens where HOST says, and only there', async () => {
    // 127.0.0.2 is loopback too on Linux, but another address than the default's.
    const { child, base } = await serve({ ...cleanEnv(), HOST: '127.0.0.2' });
    try {
      const { port } = new URL(base);
      expect(base).toBe(`http://127.0.0.2:${port}`);
      expect((await fetch(`${base}/token`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/token`)).rejects.toMatchObject({
        cause: { code: 'ECONNREFUSED' },
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });
});
