import type { SendfactTelemetryOptions } from '../interfaces/sendfact-telemetry-options.interface.js';

/** The `telemetry` option with its defaults applied. */
export type ResolvedTelemetryOptions = Required<SendfactTelemetryOptions>;

/** Applies the defaults of the `telemetry` option; a value of the wrong type is added to `problems`. */
export function resolveTelemetryOptions(
  raw: SendfactTelemetryOptions | undefined,
  problems: string[],
): ResolvedTelemetryOptions {
  const flag = (name: keyof SendfactTelemetryOptions, fallback: boolean): boolean => {
    const value: unknown = raw?.[name];
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    problems.push(`the telemetry.${name} option must be true or false`);
    return fallback;
  };
  if (raw !== undefined && (raw === null || typeof raw !== 'object')) {
    problems.push('the telemetry option must be an object');
    return { enabled: true, recordAccountId: false };
  }
  return { enabled: flag('enabled', true), recordAccountId: flag('recordAccountId', false) };
}

/** What is wrong with a `telemetry` option, one whole problem a line (none when it is acceptable). */
export function telemetryProblems(raw: SendfactTelemetryOptions | undefined): string[] {
  const problems: string[] = [];
  resolveTelemetryOptions(raw, problems);
  return problems;
}
