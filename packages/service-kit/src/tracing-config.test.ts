import { createRequire } from "node:module";
import { trace } from "@opentelemetry/api";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load-config.ts";
import { startTracing } from "./start-tracing.ts";
import { TracingEnv, type TracingSettings, tracingSettingsOf } from "./tracing-config.ts";

const settingsOf = (env: Record<string, string>): TracingSettings =>
  tracingSettingsOf(loadConfig(TracingEnv, env), "skyhook-test");

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    settingsOf(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the environment to be refused");
}

const enabled = (settings: TracingSettings) => {
  if (!settings.enabled) throw new Error(`expected tracing on, got off: ${settings.reason}`);
  return settings;
};

describe("tracing settings from OTEL_* variables", () => {
  it("is off when no OTEL_* variable is set", () => {
    expect(settingsOf({})).toEqual({ enabled: false, reason: expect.stringContaining("neither") });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: "otlp" }, [{ kind: "otlp", url: "http://localhost:4318/v1/traces" }]],
    [{ OTEL_TRACES_EXPORTER: "console" }, [{ kind: "console" }]],
    [
      { OTEL_TRACES_EXPORTER: "otlp, console" },
      [{ kind: "otlp", url: "http://localhost:4318/v1/traces" }, { kind: "console" }],
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" },
      [{ kind: "otlp", url: "http://collector:4318/v1/traces" }],
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector/custom/path" },
      [{ kind: "otlp", url: "https://collector/custom/path" }],
    ],
    [
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/v1/traces",
      },
      [{ kind: "otlp", url: "http://traces:4318/v1/traces" }],
    ],
  ])("is on for %j", (env, exporters) => {
    expect(enabled(settingsOf(env)).exporters).toEqual(exporters);
  });

  it("lets OTEL_SDK_DISABLED=true win over every other variable", () => {
    const settings = settingsOf({
      OTEL_SDK_DISABLED: "true",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces",
    });
    expect(settings).toEqual({ enabled: false, reason: "OTEL_SDK_DISABLED is true" });
  });

  it("is off for OTEL_TRACES_EXPORTER=none even with an endpoint", () => {
    const settings = settingsOf({
      OTEL_TRACES_EXPORTER: "none",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    });
    expect(settings.enabled).toBe(false);
  });

  it("names the process by default, OTEL_SERVICE_NAME first, then OTEL_RESOURCE_ATTRIBUTES", () => {
    const on = { OTEL_TRACES_EXPORTER: "console" };
    expect(enabled(settingsOf(on)).serviceName).toBe("skyhook-test");
    const fromResource = settingsOf({
      ...on,
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-resource,deployment.environment=prod%20eu",
    });
    expect(enabled(fromResource).serviceName).toBe("from-resource");
    expect(enabled(fromResource).resourceAttributes).toEqual({
      "service.name": "from-resource",
      "deployment.environment": "prod eu",
    });
    const named = settingsOf({
      ...on,
      OTEL_SERVICE_NAME: "ingress-eu",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-resource",
    });
    expect(enabled(named).serviceName).toBe("ingress-eu");
  });

  it("reads the sampler and its ratio", () => {
    const settings = settingsOf({
      OTEL_TRACES_EXPORTER: "console",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    });
    expect(enabled(settings).sampler).toEqual({ name: "parentbased_traceidratio", ratio: 0.25 });
    expect(enabled(settingsOf({ OTEL_TRACES_EXPORTER: "console" })).sampler).toEqual({
      name: "parentbased_always_on",
      ratio: 1,
    });
  });

  it("refuses what it cannot honour, naming every variable", () => {
    const problems = problemsOf({
      OTEL_TRACES_EXPORTER: "zipkin",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_TRACES_SAMPLER_ARG: "2",
      OTEL_RESOURCE_ATTRIBUTES: "novalue",
    });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_PROTOCOL",
      "OTEL_RESOURCE_ATTRIBUTES",
      "OTEL_TRACES_EXPORTER",
      "OTEL_TRACES_SAMPLER",
      "OTEL_TRACES_SAMPLER_ARG",
    ]);
  });
});

describe("startTracing", () => {
  const logger = pino({ level: "silent" });
  const sdkLoaded = () =>
    Object.keys(createRequire(import.meta.url).cache).some((path) =>
      path.includes("@opentelemetry/sdk-trace-base"),
    );

  it("builds no provider, loads no SDK and registers nothing when tracing is off", () => {
    const before = trace.getTracerProvider();
    expect(startTracing(settingsOf({}), { logger })).toBeUndefined();
    expect(sdkLoaded()).toBe(false);
    expect(trace.getTracerProvider()).toBe(before);
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
  });

  it("builds a recording provider when on, without registering it globally", async () => {
    const telemetry = startTracing(settingsOf({ OTEL_TRACES_EXPORTER: "otlp" }), { logger });
    try {
      const span = telemetry?.tracerProvider.getTracer("probe").startSpan("probe");
      expect(span?.isRecording()).toBe(true);
      expect(sdkLoaded()).toBe(true);
      expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    } finally {
      await telemetry?.shutdown();
    }
  });
});
