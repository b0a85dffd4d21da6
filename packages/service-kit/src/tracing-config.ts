import { z } from "zod";
import { envBool, envString } from "./env-fields.ts";

const exporterNames = ["otlp", "console", "none"] as const;
type ExporterName = (typeof exporterNames)[number];

const samplerNames = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof samplerNames)[number];

const httpUrl = () => envString().pipe(z.url({ protocol: /^https?$/ }).optional());

/**
 * The http exporter sends OTLP/HTTP with a JSON body, which every collector's HTTP receiver
 * takes whichever of the two HTTP protocols is named. gRPC is another transport on another
 * port: refused at start-up rather than silently sent somewhere that never answers.
 */
const otlpProtocol = () =>
  envString().pipe(
    z
      .enum(["http/json", "http/protobuf"], {
        message: "only http/json (or http/protobuf, sent as JSON) is supported, not grpc",
      })
      .optional(),
  );

/** `OTEL_TRACES_EXPORTER`: a comma-separated list, as the specification defines it. */
const exporterList = () =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v : undefined),
    z
      .string()
      .optional()
      .transform((value, ctx): ExporterName[] | undefined => {
        if (value === undefined) return undefined;
        const names = value
          .split(",")
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name !== "");
        const known = names.filter((n): n is ExporterName =>
          (exporterNames as readonly string[]).includes(n),
        );
        for (const name of names.filter((n) => !known.includes(n as ExporterName))) {
          ctx.addIssue({ code: "custom", message: `"${name}" is not otlp, console or none` });
        }
        if (known.includes("none") && known.length > 1) {
          ctx.addIssue({ code: "custom", message: "none cannot be combined with an exporter" });
        }
        return [...new Set(known)];
      }),
  );

/**
 * `OTEL_RESOURCE_ATTRIBUTES`: `key=value,key=value`, values percent-encoded (W3C Baggage
 * octets), as the specification defines it.
 */
const resourceAttributes = () =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v : undefined),
    z
      .string()
      .optional()
      .transform((value, ctx): Record<string, string> => {
        const attributes: Record<string, string> = {};
        if (value === undefined) return attributes;
        for (const pair of value.split(",")) {
          const at = pair.indexOf("=");
          const key = pair.slice(0, at).trim();
          if (at < 1 || key === "") {
            ctx.addIssue({ code: "custom", message: `"${pair.trim()}" is not key=value` });
            continue;
          }
          try {
            attributes[key] = decodeURIComponent(pair.slice(at + 1).trim());
          } catch {
            ctx.addIssue({ code: "custom", message: `the value of ${key} is not percent-encoded` });
          }
        }
        return attributes;
      }),
  );

/**
 * The standard OpenTelemetry variables Skyhook reads; merge into an app's env schema. Headers,
 * TLS files, compression and the export timeout (`OTEL_EXPORTER_OTLP_HEADERS`, …) are read by
 * the OTLP exporter itself, so credentials for a tracing backend never pass through Skyhook.
 */
export const TracingEnv = z.object({
  OTEL_SDK_DISABLED: envBool(false),
  OTEL_TRACES_EXPORTER: exporterList(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol(),
  OTEL_SERVICE_NAME: envString(),
  OTEL_RESOURCE_ATTRIBUTES: resourceAttributes(),
  OTEL_TRACES_SAMPLER: envString().pipe(z.enum(samplerNames).default("parentbased_always_on")),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().min(0).max(1).optional(),
  ),
});
export type TracingEnv = z.infer<typeof TracingEnv>;

export type TraceExporterSetting = { kind: "otlp"; url: string } | { kind: "console" };

export type TracingSettings =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      serviceName: string;
      resourceAttributes: Record<string, string>;
      exporters: TraceExporterSetting[];
      sampler: { name: SamplerName; ratio: number };
    };

/** The specification's default for OTLP/HTTP traces. */
const defaultOtlpTracesUrl = "http://localhost:4318/v1/traces";

/** The base endpoint gets the signal's path appended; the traces endpoint is used as given. */
function otlpTracesUrl(e: TracingEnv): string {
  if (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined)
    return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined) {
    return `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`;
  }
  return defaultOtlpTracesUrl;
}

/**
 * Tracing is off unless the environment asks for it: an exporter named in
 * `OTEL_TRACES_EXPORTER`, or an OTLP endpoint (which implies `otlp`). The specification's own
 * default exporter is `otlp` to localhost; Skyhook does not follow it there, because a
 * process that was never pointed at a collector would otherwise pay for spans sent nowhere.
 * `OTEL_SDK_DISABLED=true` wins over everything.
 */
export function tracingSettingsOf(e: TracingEnv, defaultServiceName: string): TracingSettings {
  if (e.OTEL_SDK_DISABLED) return { enabled: false, reason: "OTEL_SDK_DISABLED is true" };
  const endpointSet =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined ||
    e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
  const names = e.OTEL_TRACES_EXPORTER ?? (endpointSet ? ["otlp"] : []);
  const exporters = names.flatMap((name): TraceExporterSetting[] => {
    if (name === "otlp") return [{ kind: "otlp", url: otlpTracesUrl(e) }];
    if (name === "console") return [{ kind: "console" }];
    return [];
  });
  if (exporters.length === 0) {
    return {
      enabled: false,
      reason:
        e.OTEL_TRACES_EXPORTER === undefined
          ? "neither OTEL_TRACES_EXPORTER nor an OTLP endpoint is set"
          : "OTEL_TRACES_EXPORTER is none",
    };
  }
  return {
    enabled: true,
    serviceName:
      e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES["service.name"] ?? defaultServiceName,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES,
    exporters,
    sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG ?? 1 },
  };
}
