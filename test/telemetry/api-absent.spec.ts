import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { systemClock } from 'nestjs-sendfact-auth';
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadOpenTelemetryApi } from '../../lib/telemetry/opentelemetry-api.loader.js';
import { createSendfactTelemetry } from '../../lib/telemetry/sendfact.telemetry.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs the built module in a child process, with @opentelemetry/* hidden or not. */
async function runWithout(hide: boolean) {
  const args = [
    ...(hide ? ['--import', fixture('hide-opentelemetry.mjs')] : []),
    fixture('without-opentelemetry.mjs'),
  ];
  const { stdout, stderr } = await run(process.execPath, args, { cwd: root, timeout: 60_000 });
  return { result: JSON.parse(stdout.trim()) as Record<string, unknown>, stderr };
}

/** A loader for an app that never installed the package. */
function missing(): never {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), {
    code: 'MODULE_NOT_FOUND',
  });
}

describe('without @opentelemetry/api', () => {
  it('the loader answers undefined, without throwing, when the package cannot be found', () => {
    expect(loadOpenTelemetryApi(missing)).toBeUndefined();
    // An API too old to have metrics counts as absent.
    expect(loadOpenTelemetryApi(() => ({ trace: {}, context: {} }))).toBeUndefined();
    expect(loadOpenTelemetryApi(createRequire(import.meta.url))?.metrics).toBeDefined();
  });

  it('makes no telemetry hooks when the API cannot be loaded or telemetry is off', () => {
    const sources = {
      events$: NEVER,
      clock: systemClock,
      defaultAccountId: 'default',
      accountsHeld: () => 0,
      tokenObtainedAt: () => undefined,
    };
    const on = { enabled: true, recordAccountId: false };
    expect(createSendfactTelemetry(on, sources, () => undefined)).toBeUndefined();
    expect(
      createSendfactTelemetry({ ...on, enabled: false }, sources, () => {
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
