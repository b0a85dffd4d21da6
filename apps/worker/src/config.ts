import { normalizeEventType, normalizeOperation } from "@skyhook/contracts";
import {
  type CommonConfig,
  CommonEnv,
  commonConfigOf,
  defaultOpsPorts,
  envBool,
  envInt,
  envString,
  loadConfig,
  type OpsConfig,
  opsConfigOf,
  opsEnv,
  TracingEnv,
  type TracingSettings,
  tracingSettingsOf,
} from "@skyhook/service-kit";
import { z } from "zod";

/** Every variable a worker reads (deployment tests check manifests against its keys). */
export const WorkerEnv = CommonEnv.extend({
  ...opsEnv(defaultOpsPorts.worker).shape,
  /** `all`, or a comma-separated list of EVENT_TYPE/OPERATION pairs this process consumes. */
  WORKER_OPERATIONS: z
    .string()
    .trim()
    .min(1)
    .default("all")
    .transform((value, ctx) => {
      if (value.toLowerCase() === "all") return undefined;
      const pairs = new Map<string, { eventType: string; operation: string }>();
      for (const entry of value.split(",")) {
        const match = /^\s*([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\s*$/.exec(entry);
        if (match?.[1] === undefined || match[2] === undefined) {
          ctx.addIssue({
            code: "custom",
            message: `"${entry}" is not EVENT_TYPE/OPERATION (e.g. PNR_V3/FLIGHT_CANCELLED)`,
          });
          continue;
        }
        // The spellings the ingress normalises (FLIGHT_CANCELED) name the same queue here.
        const pair = {
          eventType: normalizeEventType(match[1]),
          operation: normalizeOperation(match[2]),
        };
        pairs.set(`${pair.eventType}/${pair.operation}`, pair);
      }
      return [...pairs.values()];
    }),
  WORKER_CONCURRENCY: envInt(10, 1),
  LOCK_DURATION_MS: envInt(30_000, 1_000),
  STALLED_INTERVAL_MS: envInt(5_000, 500),
  ORDERING_HORIZON_SEC: envInt(14 * 24 * 3600, 60),
  ENTITY_BUSY_DELAY_MS: envInt(100, 1),
  SHUTDOWN_TIMEOUT_MS: envInt(20_000, 100),
  NOTIFY_URL: envString().pipe(
    z
      .url({ protocol: /^https?$/ })
      // Every send error names the endpoint: job logs, dead letters, the dashboard and spans
      // would all carry the password.
      .refine(
        (url) => new URL(url).username === "" && new URL(url).password === "",
        "must not carry credentials (user:password@), which would appear in every send error; set NOTIFY_AUTHORIZATION (or NOTIFY_AUTHORIZATION_FILE) to the Authorization header instead, e.g. Basic <base64 of user:password>",
      )
      .optional(),
  ),
  /** Sent as the notices' `Authorization` header, e.g. `Bearer <token>`; a secret. */
  NOTIFY_AUTHORIZATION: envString().pipe(
    z
      .string()
      .regex(/^[\t\x20-\x7e\x80-\xff]+$/, "must be one line of header text (no line breaks)")
      .optional(),
  ),
  NOTIFY_TIMEOUT_MS: envInt(10_000, 100),
  EFFECT_TTL_SEC: envInt(14 * 24 * 3600, 60),
  ADOPT_BACKLOG: envBool(true),
  ADOPT_INTERVAL_MS: envInt(30_000, 1_000),
  ADOPT_RATE_PER_SEC: envInt(200, 1),
  /** How long work may wait, with a slot free, before a queue that fetches nothing is stuck. */
  WORKER_STALL_AFTER_MS: envInt(30_000, 500),
  /** How long an unavailable downstream's operation is held when it names no Retry-After. */
  DOWNSTREAM_HOLD_MS: envInt(30_000, 100),
  /** Retryable failures in a row that open the downstream's breaker. */
  BREAKER_FAILURES: envInt(5, 1),
  /** The longest hold between probes of a downstream that stays down. */
  BREAKER_MAX_HOLD_MS: envInt(5 * 60_000, 100),
  /** How often each worker re-reads the breakers of its operations. */
  BREAKER_REFRESH_MS: envInt(1_000, 50),
  /**
   * Calls per second an operation's handler may make, across every worker (BullMQ's queue-wide
   * limiter): `EVENT_TYPE/OPERATION=N`, comma-separated; unset operations are not limited.
   */
  WORKER_RATE_LIMITS: z
    .string()
    .trim()
    .default("")
    .transform((value, ctx) => {
      const limits = new Map<string, number>();
      for (const entry of value.split(",").filter((e) => e.trim() !== "")) {
        const match = /^\s*([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)=(\d+)\s*$/.exec(entry);
        const perSec = Number(match?.[3]);
        if (match?.[1] === undefined || match[2] === undefined || !(perSec >= 1)) {
          ctx.addIssue({
            code: "custom",
            message: `"${entry}" is not EVENT_TYPE/OPERATION=N (calls a second, N ≥ 1)`,
          });
          continue;
        }
        const eventType = normalizeEventType(match[1]);
        limits.set(`${eventType}/${normalizeOperation(match[2])}`, perSec);
      }
      return limits;
    }),
  /** The share of events whose payload is checked for fields the contracts do not declare. */
  DRIFT_SAMPLE_RATE: z.preprocess(
    (v) => (v === "" || v === undefined ? 0.1 : v),
    z.coerce.number().min(0, "at least 0 (off)").max(1, "at most 1 (every event)"),
  ),
})
  .extend(TracingEnv.shape)
  .superRefine((e, ctx) => {
    if (e.NOTIFY_AUTHORIZATION !== undefined && e.NOTIFY_URL === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["NOTIFY_AUTHORIZATION"],
        message: "set without NOTIFY_URL: no notice would carry it",
      });
    }
    // BullMQ re-runs a dead worker's job in two checks: one marks it, a later one moves it once
    // its lock has lapsed. Marking happens within one interval of the last lock renewal, so the
    // job is back within lock + interval only while the interval is no longer than the lock.
    if (e.STALLED_INTERVAL_MS > e.LOCK_DURATION_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["STALLED_INTERVAL_MS"],
        message:
          "must not exceed LOCK_DURATION_MS (a crashed worker's job would take up to twice it)",
      });
    }
  });

/**
 * How long past SHUTDOWN_TIMEOUT_MS a worker given SIGTERM may take before it exits anyway:
 * interrupted handlers' jobs are released to the queue in this margin. An orchestrator's grace
 * period (compose's stop_grace_period, Kubernetes' terminationGracePeriodSeconds) must cover
 * both, or its SIGKILL leaves the jobs to come back as stalled.
 */
export const shutdownExitMarginMs = 10_000;

export type WorkerConfig = CommonConfig & {
  /** `undefined` means every installed handler. */
  operations: Array<{ eventType: string; operation: string }> | undefined;
  concurrency: number;
  lockDurationMs: number;
  /** How often BullMQ looks for jobs whose worker died; a crashed worker's job returns within lock + this. */
  stalledIntervalMs: number;
  orderingHorizonSec: number;
  entityBusyDelayMs: number;
  shutdownTimeoutMs: number;
  notifyUrl: string | undefined;
  /** The notices' `Authorization` header value, if the endpoint needs one. */
  notifyAuthorization: string | undefined;
  notifyTimeoutMs: number;
  effectTtlSec: number;
  /** Take over this worker's operations' events waiting in the catch-all (at start, then every interval). */
  adoptBacklog: boolean;
  adoptIntervalMs: number;
  adoptRatePerSec: number;
  /** From the standard OTEL_* variables; off unless they ask for it. */
  tracing: TracingSettings;
  ops: OpsConfig;
  stallAfterMs: number;
  /** The downstream's breaker: the hold without Retry-After, failures that open it, the longest hold. */
  downstream: {
    holdMs: number;
    failureThreshold: number;
    maxHoldMs: number;
    refreshMs: number;
    /** Calls a second per `EVENT_TYPE/OPERATION`. */
    rateLimits: ReadonlyMap<string, number>;
  };
  /** 0: contract drift is not sampled. */
  driftSampleRate: number;
};

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const e = loadConfig(WorkerEnv, env);
  return {
    ...commonConfigOf(e),
    operations: e.WORKER_OPERATIONS,
    concurrency: e.WORKER_CONCURRENCY,
    lockDurationMs: e.LOCK_DURATION_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    orderingHorizonSec: e.ORDERING_HORIZON_SEC,
    entityBusyDelayMs: e.ENTITY_BUSY_DELAY_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    notifyUrl: e.NOTIFY_URL,
    notifyAuthorization: e.NOTIFY_AUTHORIZATION,
    notifyTimeoutMs: e.NOTIFY_TIMEOUT_MS,
    effectTtlSec: e.EFFECT_TTL_SEC,
    adoptBacklog: e.ADOPT_BACKLOG,
    adoptIntervalMs: e.ADOPT_INTERVAL_MS,
    adoptRatePerSec: e.ADOPT_RATE_PER_SEC,
    tracing: tracingSettingsOf(e, "skyhook-worker"),
    ops: opsConfigOf(e),
    stallAfterMs: e.WORKER_STALL_AFTER_MS,
    downstream: {
      holdMs: e.DOWNSTREAM_HOLD_MS,
      failureThreshold: e.BREAKER_FAILURES,
      maxHoldMs: e.BREAKER_MAX_HOLD_MS,
      refreshMs: e.BREAKER_REFRESH_MS,
      rateLimits: e.WORKER_RATE_LIMITS,
    },
    driftSampleRate: e.DRIFT_SAMPLE_RATE,
  };
}
