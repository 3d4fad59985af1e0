import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * `npm start -- --telemetry`: the OpenTelemetry SDK with console exporters, so that the walkthrough's spans
 * print as they end and the module's metrics print when the sample exits (and every 5 s while it runs).
 * Registered before the Nest application is built, as an app starts its SDK first. In production you would
 * use `@opentelemetry/sdk-node` (or these pieces) with an OTLP exporter instead of the console.
 */
export function startSampleTelemetry(): void {
  // The context manager carries the active span across awaits: without it every span is a root.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
    }),
  );
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 5_000,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  // The reader's timer does not hold the process open; print the last metrics as it winds down.
  process.once('beforeExit', () => void meterProvider.shutdown());
  console.log('[sample] OpenTelemetry: spans and metrics go to the console (--telemetry)');
}
