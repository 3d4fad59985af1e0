import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module, as a type only: nothing here loads it at import time. */
export type OpenTelemetryApiModule = typeof OpenTelemetryApi;

// A dynamic import resolves from this package's own location, as a static one would: in the ESM build it
// stays `import()`, in the CommonJS build tsc turns it into `require()`. Never from the working directory,
// where a package planted in ./node_modules would run, and which need not be the app's directory at all.
const defaultLoad = (): Promise<unknown> => import('@opentelemetry/api');
/** The default loader's answer, once asked: `null` when the API is absent. */
let loaded: Promise<OpenTelemetryApiModule | null> | undefined;

/**
 * `@opentelemetry/api` if the app has it installed, else `undefined`, without a warning: it is an optional
 * peer. Loaded on first call (when a module with telemetry on starts), never by a static `import`, so that an
 * app without it loads nothing and pays nothing. The API keeps its providers on a global shared by every copy
 * of the same major version, so this copy records to the providers the app registered with its own.
 */
export async function loadOpenTelemetryApi(
  load: () => Promise<unknown> | unknown = defaultLoad,
): Promise<OpenTelemetryApiModule | undefined> {
  if (load !== defaultLoad) return (await validApi(load)) ?? undefined;
  loaded ??= validApi(load);
  return (await loaded) ?? undefined;
}

async function validApi(
  load: () => Promise<unknown> | unknown,
): Promise<OpenTelemetryApiModule | null> {
  try {
    const candidate = (await load()) as Partial<OpenTelemetryApiModule> | undefined;
    // Before 1.3 the API had no metrics: treat it as absent rather than fail later.
    if (
      typeof candidate?.metrics?.getMeter === 'function' &&
      typeof candidate.trace?.getTracer === 'function' &&
      typeof candidate.context?.with === 'function'
    ) {
      return candidate as OpenTelemetryApiModule;
    }
  } catch {
    // Not installed (or not loadable): telemetry stays off, silently.
  }
  return null;
}
