import { defaultRetention, type Retention } from "@skyhook/contracts";
import { z } from "zod";
import { envInt, envOptionalInt } from "./env-fields.ts";
import { defaultRedactedFields } from "./redaction.ts";

const fieldName = /^[A-Za-z0-9_$-]+$/;

/**
 * REDACT_FIELDS: unset keeps the default list; `+a,b` adds to it; `a,b` replaces it. Adding is
 * the usual need (a field Spotnana introduced), so it is the short form; replacing is spelled
 * out so nobody drops the defaults by accident. Names only: they match at any depth, so a
 * path or wildcard is refused rather than silently never matching.
 */
const envRedactFields = () =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined),
    z
      .string()
      .optional()
      .transform((value, ctx): string[] => {
        if (value === undefined) return [...defaultRedactedFields];
        const adds = value.startsWith("+");
        const names = (adds ? value.slice(1) : value)
          .split(",")
          .map((name) => name.trim())
          .filter((name) => name !== "");
        for (const name of names.filter((n) => !fieldName.test(n))) {
          ctx.addIssue({
            code: "custom",
            message: `"${name}" is not a field name (letters, digits, _ - $); names match at any depth, so no paths or wildcards`,
          });
        }
        if (!adds && names.length === 0) {
          ctx.addIssue({ code: "custom", message: "lists no field names" });
        }
        const all = adds ? [...defaultRedactedFields, ...names] : names;
        const seen = new Set<string>();
        return all.filter((name) => {
          const key = name.toLowerCase();
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      }),
  );

const hostPort = /^(\[[^\]]+\]|[^\s,:[\]]+):(\d{1,5})$/;

/** `host:port,host:port` (IPv6 as `[::1]:7000`); empty means unset. */
const envRedisNodes = () =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .transform((value, ctx) => {
        const nodes: { host: string; port: number }[] = [];
        for (const item of value.split(",").map((part) => part.trim())) {
          const match = hostPort.exec(item);
          const port = Number(match?.[2]);
          if (match?.[1] === undefined || port < 1 || port > 65_535) {
            ctx.addIssue({ code: "custom", message: `"${item}" is not host:port` });
            return z.NEVER;
          }
          nodes.push({ host: match[1].replace(/^\[|\]$/g, ""), port });
        }
        return nodes;
      })
      .optional(),
  );

/** Variables every Skyhook process reads. */
export const CommonEnv = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Credentials and TLS (`rediss://`) for every topology; the server itself for a single one. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  REDIS_CLUSTER_NODES: envRedisNodes(),
  REDIS_SENTINELS: envRedisNodes(),
  REDIS_SENTINEL_NAME: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().trim().min(1).optional())
    .default("mymaster"),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.{}-]+$/, "letters, digits, _ . - { } only (no ':')")
    .default("skyhook"),
  REDACT_FIELDS: envRedactFields(),
  // Job settings: the ingress creates jobs, but workers (adopting a backlog) and the CLI
  // (replaying) create them too, and must give them the same deduplication and retention.
  DEDUP_TTL_SEC: envInt(14 * 24 * 3600, 60),
  RETAIN_COMPLETED_SEC: envInt(defaultRetention.completedAgeSec),
  RETAIN_COMPLETED_COUNT: envInt(defaultRetention.completedCount),
  RETAIN_FAILED_SEC: envInt(defaultRetention.failedAgeSec),
  RETAIN_FAILED_COUNT: envInt(defaultRetention.failedCount),
  RETRY_ATTEMPTS: envOptionalInt(1, 10_000),
  RETRY_BACKOFF_MS: envOptionalInt(0),
  RETRY_MAX_BACKOFF_MS: envOptionalInt(0),
  RETRY_HORIZON_SEC: envOptionalInt(1),
  // Every process writes the journal (the ingress deliveries, workers outcomes, the CLI and the
  // dashboard replays and purges), and each write drops what is older than this.
  JOURNAL_MAX_AGE_SEC: envInt(14 * 24 * 3600, 60),
});
export type CommonEnv = z.infer<typeof CommonEnv>;

/** The settings every Skyhook process shares, as each app's config carries them. */
export type CommonConfig = {
  nodeEnv: CommonEnv["NODE_ENV"];
  logLevel: string;
  /** Where Redis is: a single server, a Sentinel-watched primary, or a Cluster. */
  redis: {
    url: string;
    clusterNodes: { host: string; port: number }[] | undefined;
    sentinels: { host: string; port: number }[] | undefined;
    sentinelName: string;
  };
  queuePrefix: string;
  /** Personal-data field names redacted in logs (and on the dashboard). */
  redactFields: string[];
  /** How every process that creates event jobs creates them. */
  jobs: {
    dedupTtlSec: number;
    retention: Retention;
    retryOverride: {
      attempts: number | undefined;
      backoffMs: number | undefined;
      maxBackoffMs: number | undefined;
      horizonSec: number | undefined;
    };
  };
  /** The journal of deliveries and outcomes: on, and how long it keeps an entry. */
  journal: { enabled: boolean; maxAgeSec: number };
};

export function commonConfigOf(e: CommonEnv): CommonConfig {
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    redis: {
      url: e.REDIS_URL,
      clusterNodes: e.REDIS_CLUSTER_NODES,
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
    },
    queuePrefix: e.QUEUE_PREFIX,
    redactFields: e.REDACT_FIELDS,
    jobs: {
      dedupTtlSec: e.DEDUP_TTL_SEC,
      retention: {
        completedAgeSec: e.RETAIN_COMPLETED_SEC,
        completedCount: e.RETAIN_COMPLETED_COUNT,
        failedAgeSec: e.RETAIN_FAILED_SEC,
        failedCount: e.RETAIN_FAILED_COUNT,
      },
      retryOverride: {
        attempts: e.RETRY_ATTEMPTS,
        backoffMs: e.RETRY_BACKOFF_MS,
        maxBackoffMs: e.RETRY_MAX_BACKOFF_MS,
        horizonSec: e.RETRY_HORIZON_SEC,
      },
    },
    journal: { enabled: true, maxAgeSec: e.JOURNAL_MAX_AGE_SEC },
  };
}
