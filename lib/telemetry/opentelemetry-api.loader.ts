import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module, as a type only: nothing here loads it at import time. */
export type OpenTelemetryApiModule = typeof OpenTelemetryApi;

// The CommonJS build has its own `require`. The ESM build has none, and `import.meta` would not compile into
// its CommonJS twin, so it resolves from the app's working directory: the API keeps its providers on a global
// shared by every copy of one major, so a copy found there records to the app's providers all the same.
const defaultLoad: (id: string) => unknown =
  typeof require === 'function' ? require : createRequire(join(process.cwd(), 'index.js'));
/** The default loader's answer, once asked: `null` when the API is absent. */
let loaded: OpenTelemetryApiModule | null | undefined;

/**
 * `@opentelemetry/api` if the app has it installed, else `undefined`, without a warning: it is an optional
 * peer. Loaded on first call (when a module is built with telemetry on), never by an `import`, so that an app
 * without it loads nothing and pays nothing. The API keeps its providers on a global shared by every copy of
 * the same major version, so this copy records to the providers the app registered with its own.
 */
export function loadOpenTelemetryApi(
  load: (id: string) => unknown = defaultLoad,
): OpenTelemetryApiModule | undefined {
  const cache = load === defaultLoad;
  if (cache && loaded !== undefined) return loaded ?? undefined;
  let api: OpenTelemetryApiModule | undefined;
  try {
    const candidate = load('@opentelemetry/api') as Partial<OpenTelemetryApiModule> | undefined;
    // Before 1.3 the API had no metrics: treat it as absent rather than fail later.
    if (
      typeof candidate?.metrics?.getMeter === 'function' &&
      typeof candidate.trace?.getTracer === 'function' &&
      typeof candidate.context?.with === 'function'
    ) {
      api = candidate as OpenTelemetryApiModule;
    }
  } catch {
    api = undefined;
  }
  if (cache) loaded = api ?? null;
  return api;
}
