import { createRequire } from "node:module";
import type { TextMapPropagator, TracerProvider } from "@opentelemetry/api";
import type * as Core from "@opentelemetry/core";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as Resources from "@opentelemetry/resources";
import type * as TraceBase from "@opentelemetry/sdk-trace-base";
import type { Sampler, SpanExporter } from "@opentelemetry/sdk-trace-base";
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

const load = createRequire(import.meta.url);

/**
 * The SDK is loaded only once tracing is on. Loading it costs a process about 100 ms and 7 MB
 * (measured on Node 20), which a process with tracing off, or the dashboard that never traces,
 * should not pay. `require` keeps `startTracing` synchronous; these packages ship CommonJS.
 */
function loadSdk() {
  return {
    core: load("@opentelemetry/core") as typeof Core,
    otlpHttp: load("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp,
    resources: load("@opentelemetry/resources") as typeof Resources,
    traceBase: load("@opentelemetry/sdk-trace-base") as typeof TraceBase,
  };
}
type Sdk = ReturnType<typeof loadSdk>;

function samplerOf(sdk: Sdk, name: SamplerName, ratio: number): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } =
    sdk.traceBase;
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
function reportFailures(
  sdk: Sdk,
  exporter: SpanExporter,
  name: string,
  logger: Logger,
): SpanExporter {
  const { ExportResultCode } = sdk.core;
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

function exporterOf(sdk: Sdk, setting: TraceExporterSetting): SpanExporter {
  // The URL is passed explicitly so the decision made from the parsed environment and the
  // exporter agree; headers, TLS and timeout the exporter reads from the environment itself.
  return setting.kind === "otlp"
    ? new sdk.otlpHttp.OTLPTraceExporter({ url: setting.url })
    : new sdk.traceBase.ConsoleSpanExporter();
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
  if (options.tracerProvider === undefined && !settings.enabled) {
    options.logger.debug({ reason: settings.reason }, "tracing off");
    return undefined;
  }
  const sdk = loadSdk();
  const propagator = new sdk.core.W3CTraceContextPropagator();
  if (options.tracerProvider !== undefined) {
    return { tracerProvider: options.tracerProvider, propagator, shutdown: async () => {} };
  }
  if (!settings.enabled) return undefined;
  const { defaultResource, resourceFromAttributes } = sdk.resources;
  const { BasicTracerProvider, BatchSpanProcessor } = sdk.traceBase;
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...settings.resourceAttributes,
      "service.name": settings.serviceName,
    }),
  );
  const provider = new BasicTracerProvider({
    resource,
    sampler: samplerOf(sdk, settings.sampler.name, settings.sampler.ratio),
    spanProcessors: settings.exporters.map(
      (setting) =>
        new BatchSpanProcessor(
          reportFailures(sdk, exporterOf(sdk, setting), describeExporter(setting), options.logger),
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
