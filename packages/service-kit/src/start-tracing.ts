import type { TextMapPropagator, TracerProvider } from "@opentelemetry/api";
import { ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import type { Logger } from "pino";
import type { SamplerName, TraceExporterSetting, TracingSettings } from "./tracing-config.ts";

/** A process's tracing, once switched on: hand `tracerProvider` and `propagator` down. */
export type Telemetry = {
  tracerProvider: TracerProvider;
  /** W3C Trace Context (`traceparent`, `tracestate`). */
  propagator: TextMapPropagator;
  /** Exports the spans still buffered and stops; call once, when the process shuts down. */
  shutdown(): Promise<void>;
};

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Where spans go, for the start-up line: no query string or credentials from the URL. */
function describeExporter(setting: TraceExporterSetting): string {
  if (setting.kind === "console") return "console";
  const url = new URL(setting.url);
  return `otlp ${url.origin}${url.pathname}`;
}

/**
 * The batch processor drops spans silently when the backend is down; say so once when export
 * starts failing and once when it recovers, not once per batch.
 */
function reportFailures(exporter: SpanExporter, name: string, logger: Logger): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !failing) {
          failing = true;
          logger.warn({ exporter: name, err: result.error?.message }, "trace export failing");
        } else if (result.code === ExportResultCode.SUCCESS && failing) {
          failing = false;
          logger.info({ exporter: name }, "trace export recovered");
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

function exporterOf(setting: TraceExporterSetting): SpanExporter {
  // The URL is passed explicitly so the decision made from the parsed environment and the
  // exporter agree; headers, TLS and timeout the exporter reads from the environment itself.
  return setting.kind === "otlp"
    ? new OTLPTraceExporter({ url: setting.url })
    : new ConsoleSpanExporter();
}

/**
 * Builds the process's tracer provider from its settings, or returns `undefined` when tracing
 * is off: then no SDK object exists and the caller uses the API's no-op tracer. A provider
 * passed in (tests: one with an in-memory exporter) is used as it is, whatever the settings
 * say, and is left for its owner to shut down. Nothing is registered in the API's globals.
 */
export function startTracing(
  settings: TracingSettings,
  options: { logger: Logger; tracerProvider?: TracerProvider | undefined },
): Telemetry | undefined {
  const propagator = new W3CTraceContextPropagator();
  if (options.tracerProvider !== undefined) {
    return { tracerProvider: options.tracerProvider, propagator, shutdown: async () => {} };
  }
  if (!settings.enabled) {
    options.logger.debug({ reason: settings.reason }, "tracing off");
    return undefined;
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...settings.resourceAttributes,
      "service.name": settings.serviceName,
    }),
  );
  const provider = new BasicTracerProvider({
    resource,
    sampler: samplerOf(settings.sampler.name, settings.sampler.ratio),
    spanProcessors: settings.exporters.map(
      (setting) =>
        new BatchSpanProcessor(
          reportFailures(exporterOf(setting), describeExporter(setting), options.logger),
        ),
    ),
  });
  options.logger.info(
    {
      serviceName: settings.serviceName,
      exporters: settings.exporters.map(describeExporter),
      sampler: settings.sampler.name,
    },
    "tracing on",
  );
  return { tracerProvider: provider, propagator, shutdown: () => provider.shutdown() };
}
