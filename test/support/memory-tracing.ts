import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createTracing, type Tracing } from "@skyhook/queue-kit";
import { createLogger, startTracing } from "@skyhook/service-kit";

/**
 * Tracing on, as a process composes it (the W3C propagator service-kit builds), with every
 * finished span kept in memory for the test to read. Lives here rather than beside a package's
 * tests: apps and packages may not depend on the OpenTelemetry SDK, the test project may.
 */
export function memoryTracing(): { tracing: Tracing; memory: InMemorySpanExporter } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const telemetry = startTracing(
    { enabled: false, reason: "a test provider is passed in" },
    {
      logger: createLogger({ name: "test", level: "silent", redactFields: [] }),
      tracerProvider: provider,
    },
  );
  if (telemetry === undefined) throw new Error("startTracing ignored the provider passed in");
  return { tracing: createTracing(telemetry.tracerProvider, telemetry.propagator), memory };
}

/** A span as the in-memory exporter keeps it. */
export type FinishedSpan = ReturnType<InMemorySpanExporter["getFinishedSpans"]>[number];
