import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemClock } from '../../lib/engine/clock.js';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadOpenTelemetryApi } from '../../lib/telemetry/opentelemetry-api.loader.js';
import { createSendfactTelemetry } from '../../lib/telemetry/sendfact.telemetry.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs the built module in a child process, with @opentelemetry/* hidden or not. */
async function runWithout(hide: boolean, cwd = root, env: NodeJS.ProcessEnv = process.env) {
  const args = [
    ...(hide ? ['--import', fixture('hide-opentelemetry.mjs')] : []),
    fixture('without-opentelemetry.mjs'),
  ];
  const { stdout, stderr } = await run(process.execPath, args, { cwd, env, timeout: 60_000 });
  return { result: JSON.parse(stdout.trim()) as Record<string, unknown>, stderr };
}

/** A loader for an app that never installed the package. */
function missing(): never {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), {
    code: 'MODULE_NOT_FOUND',
  });
}

describe('without @opentelemetry/api', () => {
  it('the loader answers undefined, without throwing, when the package cannot be found', async () => {
    expect(await loadOpenTelemetryApi(missing)).toBeUndefined();
    // An API too old to have metrics counts as absent.
    expect(await loadOpenTelemetryApi(() => ({ trace: {}, context: {} }))).toBeUndefined();
    expect((await loadOpenTelemetryApi())?.metrics).toBeDefined();
  });

  it('makes no telemetry hooks when the API cannot be loaded or telemetry is off', async () => {
    const sources = {
      events$: NEVER,
      clock: systemClock,
      defaultAccountId: 'default',
      accountsHeld: () => 0,
    };
    const on = { enabled: true, recordAccountId: false };
    expect(await createSendfactTelemetry(on, sources, async () => undefined)).toBeUndefined();
    expect(
      await createSendfactTelemetry({ ...on, enabled: false }, sources, () => {
        throw new Error('must not even try to load the API');
      }),
    ).toBeUndefined();
  });

  it('works unchanged, with no warning, in an app where the package cannot be resolved', async () => {
    const hidden = await runWithout(true);
    const shown = await runWithout(false);
    // The control: the same script, with the API resolvable, does turn telemetry on.
    expect(shown.result).toMatchObject({ apiResolvable: true, telemetry: true });
    expect(hidden.result).toMatchObject({ apiResolvable: false, telemetry: false });
    // Same behaviour either way: three calls on one token, then a 401 replayed with a new one.
    const { apiResolvable: _a, telemetry: _b, ...behaviour } = hidden.result;
    const { apiResolvable: _c, telemetry: _d, ...control } = shown.result;
    expect(behaviour).toEqual(control);
    expect(behaviour).toMatchObject({ tokenRequests: 2, replays: 1 });
    expect(hidden.stderr).toBe('');
  });
});

describe('where @opentelemetry/api is loaded from', () => {
  it('from the app (the package’s own location), whatever the working directory', async () => {
    const shown = await runWithout(false, tmpdir());
    const hidden = await runWithout(true, tmpdir());
    expect(shown.result).toMatchObject({ apiResolvable: true, telemetry: true });
    expect(hidden.result).toMatchObject({ apiResolvable: false, telemetry: false });
    expect(hidden.stderr).toBe('');
  });

  it('never from a node_modules planted in the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'planted-otel-'));
    try {
      const planted = join(dir, 'node_modules', '@opentelemetry', 'api');
      mkdirSync(planted, { recursive: true });
      const marker = join(dir, 'planted-code-ran');
      writeFileSync(
        join(planted, 'package.json'),
        JSON.stringify({ name: '@opentelemetry/api', version: '1.9.0', main: 'index.js' }),
      );
      writeFileSync(
        join(planted, 'index.js'),
        "require('node:fs').writeFileSync(process.env.PLANTED_MARKER, 'ran');\n",
      );
      const { result } = await runWithout(false, dir, { ...process.env, PLANTED_MARKER: marker });
      expect(existsSync(marker)).toBe(false);
      expect(result).toMatchObject({ telemetry: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
