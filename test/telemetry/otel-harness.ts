import { type Attributes, context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** One metric point, flattened: its metric's name, attributes and value (a number, or a histogram). */
export interface Point {
  name: string;
  attributes: Attributes;
  value: number | { count: number; sum?: number };
}

/**
 * The OpenTelemetry SDK as an app registers it, with in-memory exporters: spans as they end, metrics as
 * deltas on demand (each `collect()` returns what was recorded since the previous one).
 */
export function registerOpenTelemetry() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spanExporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }),
  );
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    /** The metric points recorded since the previous call. */
    async collect(): Promise<Point[]> {
      await reader.forceFlush();
      const points: Point[] = [];
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            for (const point of metric.dataPoints) {
              points.push({
                name: metric.descriptor.name,
                attributes: point.attributes,
                value: point.value as Point['value'],
              });
            }
          }
        }
      }
      metricExporter.reset();
      return points;
    },
    /** The spans ended since the previous call. */
    spans(): ReadableSpan[] {
      const ended = [...spanExporter.getFinishedSpans()];
      spanExporter.reset();
      return ended;
    },
  };
}

/** The sum of a counter's points (matching `attributes`), or the count of a histogram's. */
export function total(points: Point[], name: string, attributes: Attributes = {}): number {
  let sum = 0;
  for (const point of points) {
    if (point.name !== name) continue;
    if (!Object.entries(attributes).every(([k, v]) => point.attributes[k] === v)) continue;
    sum += typeof point.value === 'number' ? point.value : point.value.count;
  }
  return sum;
}

/** The last value of a gauge. */
export function gauge(points: Point[], name: string): number | undefined {
  const point = points.findLast((p) => p.name === name);
  return typeof point?.value === 'number' ? point.value : undefined;
}

/** Every string a span or a metric point carries: names, attribute values, event and link attributes, status. */
export function everyRecordedString(spans: ReadableSpan[], points: Point[]): string[] {
  const out: string[] = [];
  const add = (attributes: Attributes | undefined) => {
    for (const [key, value] of Object.entries(attributes ?? {})) {
      out.push(key);
      for (const v of Array.isArray(value) ? value : [value]) out.push(String(v));
    }
  };
  for (const span of spans) {
    out.push(span.name, span.status.message ?? '');
    add(span.attributes);
    for (const event of span.events) {
      out.push(event.name);
      add(event.attributes);
    }
    for (const link of span.links) add(link.attributes);
  }
  for (const point of points) {
    out.push(point.name);
    add(point.attributes);
  }
  return out;
}
