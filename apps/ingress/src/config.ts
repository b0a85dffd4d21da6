import { randomBytes } from "node:crypto";
import {
  type CommonConfig,
  CommonEnv,
  commonConfigOf,
  defaultHttpLimits,
  defaultOpsPorts,
  envBool,
  envInt,
  envOptionalInt,
  envPort,
  envString,
  type HttpLimits,
  loadConfig,
  type OpsConfig,
  opsConfigOf,
  opsEnv,
  TracingEnv,
  type TracingSettings,
  tracingSettingsOf,
  withSecretFiles,
} from "@skyhook/service-kit";
import { z } from "zod";
import { type BoundsConfig, BoundsEnv, boundsConfigOf } from "./bounds-config.ts";
import { devCredentials } from "./dev-credentials.ts";
import { loadSubscriptions } from "./subscriptions/load-subscriptions.ts";
import { replayWindowProblems } from "./subscriptions/replay-window.ts";
import {
  type Subscription,
  type TimestampTolerance,
  toSubscription,
} from "./subscriptions/subscription.ts";

/** A space-separated list (secrets contain no spaces; commas may appear in Base64-free ones). */
const spaceSeparated = (item: z.ZodString) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.split(/\s+/).filter((s) => s.length > 0) : []),
    z.array(item),
  );

/** Every variable the ingress reads (deployment tests check manifests against its keys). */
export const IngressEnv = CommonEnv.extend({
  PORT: envPort(8080),
  HOST: z.string().default("0.0.0.0"),
  ...opsEnv(defaultOpsPorts.ingress).shape,
  BODY_LIMIT_BYTES: envInt(10 * 1024 * 1024, 1024),
  BODY_MAX_COMPRESSION_RATIO: envInt(64, 2),
  // Unset: four bodies of the largest size in all, one per address (see bodyOf).
  BODY_READ_BUDGET_BYTES: envOptionalInt(1024),
  BODY_READ_BUDGET_PER_ADDRESS_BYTES: envOptionalInt(1024),
  // Spotnana's own timeout is unpublished: a frozen Redis must still get its 503 within 1 s.
  ENQUEUE_TIMEOUT_MS: envInt(800, 50),
  // 0: 200 once the primary has the event. N: only once N replicas have it too (Redis WAIT).
  ACK_REPLICAS: envInt(0, 0, 16),
  RETRY_AFTER_SEC: envInt(5, 1),
  TOKEN_ISSUER: z.string().min(1).default("skyhook"),
  TOKEN_AUDIENCE: z.string().min(1).default("skyhook-webhooks"),
  TOKEN_TTL_SEC: envInt(3600, 60),
  TOKEN_SIGNING_KEY: envString().pipe(z.string().min(32, "at least 32 characters").optional()),
  TOKEN_PREVIOUS_SIGNING_KEYS: spaceSeparated(z.string().min(32, "each at least 32 characters")),
  SUBSCRIPTIONS_FILE: envString(),
  SPOTNANA_SUBSCRIPTION_NAME: z.string().min(1).default("spotnana"),
  SPOTNANA_CLIENT_ID: envString(),
  SPOTNANA_CLIENT_SECRET: envString(),
  SPOTNANA_CLIENT_SECRET_PREVIOUS: envString(),
  SPOTNANA_SIGNING_SECRETS: spaceSeparated(z.string()),
  HMAC_TIMESTAMP_CHECK: envBool(true),
  HMAC_TOLERANCE_PAST_SEC: envInt(300, 1),
  HMAC_TOLERANCE_FUTURE_SEC: envInt(60, 0),
  TRUST_PROXY: envString(),
  AUTH_FAILURES_PER_ADDRESS: envInt(30, 1),
  AUTH_FAILURES_PER_CLIENT_ADDRESS: envInt(10, 1),
  AUTH_FAILURE_WINDOW_SEC: envInt(60, 1),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
  HEADERS_TIMEOUT_MS: envInt(defaultHttpLimits.headersTimeoutMs, 100),
  REQUEST_TIMEOUT_MS: envInt(defaultHttpLimits.requestTimeoutMs, 100),
  KEEP_ALIVE_TIMEOUT_MS: envInt(defaultHttpLimits.keepAliveTimeoutMs, 100),
  IDLE_TIMEOUT_MS: envInt(defaultHttpLimits.idleTimeoutMs, 0),
  ROUTES_REFRESH_MS: envInt(5_000, 100),
  // Per queue; the kept-queue sweeper trims each journal to it.
  JOURNAL_MAX_ENTRIES: envInt(1_000_000, 1_000),
  // A bench and diagnostic switch: the journal's cost on the accepted path, measured.
  JOURNAL: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["on", "off"]).default("on")),
})
  .extend(TracingEnv.shape)
  .extend(BoundsEnv.shape)
  .superRefine((e, ctx) => {
    // Node refuses to start a server whose headers may take longer than the whole request.
    if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["HEADERS_TIMEOUT_MS"],
        message: "must not exceed REQUEST_TIMEOUT_MS",
      });
    }
    const body = bodyOf(e);
    if (body.budgetPerAddressBytes < body.limitBytes)
      ctx.addIssue({
        code: "custom",
        path: ["BODY_READ_BUDGET_PER_ADDRESS_BYTES"],
        message:
          "must be at least BODY_LIMIT_BYTES, or a body of the largest size could never be read",
      });
    if (body.budgetBytes < body.budgetPerAddressBytes)
      ctx.addIssue({
        code: "custom",
        path: ["BODY_READ_BUDGET_BYTES"],
        message: "must be at least BODY_READ_BUDGET_PER_ADDRESS_BYTES",
      });
    // The ops server answers without authentication and its metrics name subscriptions: it
    // must never share the public port.
    if (e.OPS_PORT !== 0 && e.OPS_PORT === e.PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["OPS_PORT"],
        message: "must differ from PORT (the ops server stays off the public port)",
      });
    }
  });

export type IngressEnv = z.infer<typeof IngressEnv>;

export { devCredentials };

/** What a delivery's body may be, and what bodies of unknown senders may hold at once. */
export type BodySettings = {
  limitBytes: number;
  maxCompressionRatio: number;
  budgetBytes: number;
  budgetPerAddressBytes: number;
};

function bodyOf(e: {
  BODY_LIMIT_BYTES: number;
  BODY_MAX_COMPRESSION_RATIO: number;
  BODY_READ_BUDGET_BYTES?: number | undefined;
  BODY_READ_BUDGET_PER_ADDRESS_BYTES?: number | undefined;
}): BodySettings {
  const perAddress = e.BODY_READ_BUDGET_PER_ADDRESS_BYTES ?? e.BODY_LIMIT_BYTES;
  return {
    limitBytes: e.BODY_LIMIT_BYTES,
    maxCompressionRatio: e.BODY_MAX_COMPRESSION_RATIO,
    budgetBytes: e.BODY_READ_BUDGET_BYTES ?? Math.max(4 * e.BODY_LIMIT_BYTES, perAddress),
    budgetPerAddressBytes: perAddress,
  };
}

export type IngressConfig = CommonConfig & {
  port: number;
  host: string;
  /** The internal ops server (metrics, health), kept off the public port. */
  ops: OpsConfig;
  body: BodySettings;
  enqueueTimeoutMs: number;
  /** Replicas that must hold an event before it is answered 200 (0: the primary suffices). */
  ackReplicas: number;
  retryAfterSec: number;
  shutdownTimeoutMs: number;
  /** Header, request and idle timeouts of the public server. */
  http: HttpLimits;
  /** How often the routes announced by running workers are re-read. */
  routesRefreshMs: number;
  token: {
    issuer: string;
    audience: string;
    ttlSec: number;
    /** The longest lifetime any client's tokens are issued with; longer-lived ones are refused. */
    maxTtlSec: number;
    signingKey: string;
    /** Still accepted for tokens issued before a key change, until they expire. */
    previousSigningKeys: string[];
  };
  authFailureLimits: { perAddress: number; perClientAddress: number; windowSec: number };
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address. */
  trustProxy: string | undefined;
  subscriptions: Subscription[];
  /** From the standard OTEL_* variables; off unless they ask for it. */
  tracing: TracingSettings;
  /** The budget that sheds deliveries before Redis fills, and the kept queues' bounds. */
  bounds: BoundsConfig;
  /** The most entries one queue's journal keeps (the sweeper trims it to this). */
  journalMaxEntries: number;
  /** Names of the development defaults in use, so start-up can say so loudly. */
  devDefaultsInUse: (keyof typeof devCredentials)[];
};

export function loadIngressConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const loaded = loadSubscriptions(env);
  // Parsed first for the tolerance and TTL the checks below need; loadConfig reports it all.
  const preview = IngressEnv.safeParse(withSecretFiles(env).env);
  const tolerance = (e: IngressEnv): TimestampTolerance =>
    e.HMAC_TIMESTAMP_CHECK && {
      pastSec: e.HMAC_TOLERANCE_PAST_SEC,
      futureSec: e.HMAC_TOLERANCE_FUTURE_SEC,
    };
  const problems = [...loaded.problems];
  if (preview.success) {
    const previewed = loaded.entries.map((entry) => toSubscription(entry, tolerance(preview.data)));
    problems.push(...replayWindowProblems(previewed, preview.data.DEDUP_TTL_SEC));
  }
  const e = loadConfig(IngressEnv, env, problems);
  const subscriptions = loaded.entries.map((entry) => toSubscription(entry, tolerance(e)));
  const devDefaultsInUse: (keyof typeof devCredentials)[] = loaded.devDefaults
    ? ["SPOTNANA_CLIENT_ID", "SPOTNANA_CLIENT_SECRET", "TOKEN_SIGNING_KEY"]
    : [];
  // Only an HMAC-only configuration gets here without a key: it issues no token, and a key
  // known to nobody makes sure none verifies.
  const signingKey =
    e.TOKEN_SIGNING_KEY ??
    (loaded.devDefaults ? devCredentials.TOKEN_SIGNING_KEY : randomBytes(32).toString("base64"));

  return {
    ...commonConfigOf(e),
    port: e.PORT,
    host: e.HOST,
    ops: opsConfigOf(e),
    body: bodyOf(e),
    enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
    ackReplicas: e.ACK_REPLICAS,
    retryAfterSec: e.RETRY_AFTER_SEC,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    http: {
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      idleTimeoutMs: e.IDLE_TIMEOUT_MS,
    },
    routesRefreshMs: e.ROUTES_REFRESH_MS,
    token: {
      issuer: e.TOKEN_ISSUER,
      audience: e.TOKEN_AUDIENCE,
      ttlSec: e.TOKEN_TTL_SEC,
      maxTtlSec: Math.max(e.TOKEN_TTL_SEC, ...subscriptions.map((s) => s.oauth?.tokenTtlSec ?? 0)),
      signingKey,
      previousSigningKeys: e.TOKEN_PREVIOUS_SIGNING_KEYS,
    },
    authFailureLimits: {
      perAddress: e.AUTH_FAILURES_PER_ADDRESS,
      perClientAddress: e.AUTH_FAILURES_PER_CLIENT_ADDRESS,
      windowSec: e.AUTH_FAILURE_WINDOW_SEC,
    },
    trustProxy: e.TRUST_PROXY,
    subscriptions,
    tracing: tracingSettingsOf(e, "skyhook-ingress"),
    bounds: boundsConfigOf(e),
    journal: { enabled: e.JOURNAL === "on", maxAgeSec: e.JOURNAL_MAX_AGE_SEC },
    journalMaxEntries: e.JOURNAL_MAX_ENTRIES,
    devDefaultsInUse,
  };
}
