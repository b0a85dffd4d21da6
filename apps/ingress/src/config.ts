import { readFileSync } from "node:fs";
import { defaultRetention, type Retention } from "@skyhook/contracts";
import {
  type CommonConfig,
  CommonEnv,
  commonConfigOf,
  envBool,
  envInt,
  envOptionalInt,
  envPort,
  envString,
  envValue,
  loadConfig,
  refuseDevDefaults,
} from "@skyhook/service-kit";
import { z } from "zod";
import type { TimestampTolerance } from "./auth/verify-signature.ts";
import { type Subscription, SubscriptionEntry, toSubscription } from "./subscription.ts";

export const SubscriptionsFile = z.array(SubscriptionEntry).min(1);

export const devCredentials = {
  SPOTNANA_CLIENT_ID: "skyhook-dev",
  SPOTNANA_CLIENT_SECRET: "skyhook-dev-secret",
  TOKEN_SIGNING_KEY: "skyhook-dev-token-signing-key-do-not-use-in-production",
} as const;

/** A space-separated list (secrets contain no spaces; commas may appear in Base64-free ones). */
const spaceSeparated = (item: z.ZodString) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.split(/\s+/).filter((s) => s.length > 0) : []),
    z.array(item),
  );

const IngressEnv = CommonEnv.extend({
  PORT: envPort(8080),
  HOST: z.string().default("0.0.0.0"),
  BODY_LIMIT_BYTES: envInt(10 * 1024 * 1024, 1024),
  ENQUEUE_TIMEOUT_MS: envInt(2_000, 50),
  RETRY_AFTER_SEC: envInt(5, 1),
  DEDUP_TTL_SEC: envInt(14 * 24 * 3600, 60),
  RETAIN_COMPLETED_SEC: envInt(defaultRetention.completedAgeSec),
  RETAIN_COMPLETED_COUNT: envInt(defaultRetention.completedCount),
  RETAIN_FAILED_SEC: envInt(defaultRetention.failedAgeSec),
  RETAIN_FAILED_COUNT: envInt(defaultRetention.failedCount),
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
  RETRY_ATTEMPTS: envOptionalInt(1, 100),
  RETRY_BACKOFF_MS: envOptionalInt(0),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
});

export type IngressConfig = CommonConfig & {
  port: number;
  host: string;
  bodyLimitBytes: number;
  enqueueTimeoutMs: number;
  retryAfterSec: number;
  dedupTtlSec: number;
  retention: Retention;
  shutdownTimeoutMs: number;
  token: {
    issuer: string;
    audience: string;
    ttlSec: number;
    signingKey: string;
    /** Still accepted for tokens issued before a key change, until they expire. */
    previousSigningKeys: string[];
  };
  authFailureLimits: { perAddress: number; perClientAddress: number; windowSec: number };
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address. */
  trustProxy: string | undefined;
  subscriptions: Subscription[];
  retryOverride: { attempts: number | undefined; backoffMs: number | undefined };
  /** Names of the development defaults in use, so start-up can say so loudly. */
  devDefaultsInUse: (keyof typeof devCredentials)[];
};

type Entries = { entries: SubscriptionEntry[]; problems: string[] };

function readSubscriptionsFile(path: string): Entries {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return {
      entries: [],
      problems: [`SUBSCRIPTIONS_FILE: cannot read ${path} as JSON (${String(err)})`],
    };
  }
  const parsed = SubscriptionsFile.safeParse(raw);
  if (parsed.success) return { entries: parsed.data, problems: [] };
  return {
    entries: [],
    problems: parsed.error.issues.map(
      (i) => `SUBSCRIPTIONS_FILE ${path} [${i.path.join(".")}]: ${i.message}`,
    ),
  };
}

/** Where each field of the single subscription configured by environment comes from. */
const envNames: Record<string, string> = {
  name: "SPOTNANA_SUBSCRIPTION_NAME",
  clientId: "SPOTNANA_CLIENT_ID",
  clientSecret: "SPOTNANA_CLIENT_SECRET",
  clientSecrets: "SPOTNANA_CLIENT_SECRET_PREVIOUS",
  signingSecrets: "SPOTNANA_SIGNING_SECRETS",
};

/**
 * The single subscription configured by environment. With nothing set outside production it
 * is the development OAuth client; SPOTNANA_SIGNING_SECRETS alone makes it HMAC-only.
 */
function subscriptionFromEnv(
  env: NodeJS.ProcessEnv,
  devDefaultsInUse: (keyof typeof devCredentials)[],
): Entries {
  const signingSecrets = envValue(env, "SPOTNANA_SIGNING_SECRETS")?.split(/\s+/);
  let clientId = envValue(env, "SPOTNANA_CLIENT_ID");
  let clientSecret = envValue(env, "SPOTNANA_CLIENT_SECRET");
  if (
    env.NODE_ENV !== "production" &&
    clientId === undefined &&
    clientSecret === undefined &&
    signingSecrets === undefined
  ) {
    clientId = devCredentials.SPOTNANA_CLIENT_ID;
    clientSecret = devCredentials.SPOTNANA_CLIENT_SECRET;
    devDefaultsInUse.push("SPOTNANA_CLIENT_ID", "SPOTNANA_CLIENT_SECRET");
  }
  if (clientId === undefined && clientSecret === undefined && signingSecrets === undefined) {
    const missing = "required when NODE_ENV=production (or SPOTNANA_SIGNING_SECRETS for HMAC only)";
    return {
      entries: [],
      problems: [`SPOTNANA_CLIENT_ID: ${missing}`, `SPOTNANA_CLIENT_SECRET: ${missing}`],
    };
  }
  const previous = envValue(env, "SPOTNANA_CLIENT_SECRET_PREVIOUS");
  const parsed = SubscriptionEntry.safeParse({
    name: envValue(env, "SPOTNANA_SUBSCRIPTION_NAME") ?? "spotnana",
    clientId,
    clientSecret,
    clientSecrets: previous === undefined ? undefined : [previous],
    signingSecrets,
  });
  if (parsed.success) return { entries: [parsed.data], problems: [] };
  return {
    entries: [],
    problems: parsed.error.issues.map(
      (i) => `${envNames[String(i.path[0])] ?? "SPOTNANA_*"}: ${i.message}`,
    ),
  };
}

const minProductionSecretLength = 16;

/** The rules an OAuth client's credentials must meet in production, wherever configured. */
function productionProblems(
  entries: readonly SubscriptionEntry[],
  label: (index: number, field: string) => string,
): string[] {
  return entries.flatMap((entry, index) => {
    const problems: string[] = [];
    if (entry.clientId === devCredentials.SPOTNANA_CLIENT_ID) {
      problems.push(
        `${label(index, "clientId")}: the development default is refused when NODE_ENV=production`,
      );
    }
    for (const secret of [entry.clientSecret ?? [], entry.clientSecrets ?? []].flat()) {
      if (secret === devCredentials.SPOTNANA_CLIENT_SECRET) {
        problems.push(
          `${label(index, "clientSecret")}: the development default is refused when NODE_ENV=production`,
        );
      } else if (secret.length < minProductionSecretLength) {
        problems.push(
          `${label(index, "clientSecret")}: at least ${minProductionSecretLength} characters when NODE_ENV=production`,
        );
      }
    }
    return problems;
  });
}

/**
 * Everything that needs more than the env schema: the subscriptions (file or environment),
 * production credential rules, unique client ids and names. Made on the raw environment so
 * it is reported together with any schema problem, in one error.
 */
function subscriptionsOf(
  env: NodeJS.ProcessEnv,
  devDefaultsInUse: (keyof typeof devCredentials)[],
): Entries {
  const file = envValue(env, "SUBSCRIPTIONS_FILE");
  const read =
    file === undefined ? subscriptionFromEnv(env, devDefaultsInUse) : readSubscriptionsFile(file);
  const { entries } = read;
  const problems = [...read.problems];
  if (env.NODE_ENV === "production") {
    problems.push(
      ...productionProblems(entries, (index, field) =>
        file === undefined ? (envNames[field] ?? field) : `SUBSCRIPTIONS_FILE [${index}].${field}`,
      ),
    );
    const envOAuth =
      envValue(env, "SPOTNANA_CLIENT_ID") !== undefined ||
      envValue(env, "SPOTNANA_SIGNING_SECRETS") === undefined;
    const oauthInUse =
      file === undefined ? envOAuth : entries.some((e) => e.clientId !== undefined);
    if (oauthInUse) {
      problems.push(
        ...refuseDevDefaults(
          true,
          { TOKEN_SIGNING_KEY: envValue(env, "TOKEN_SIGNING_KEY") },
          { TOKEN_SIGNING_KEY: devCredentials.TOKEN_SIGNING_KEY },
        ),
      );
    }
  }
  const clientIds = entries.flatMap((e) => (e.clientId === undefined ? [] : [e.clientId]));
  if (new Set(clientIds).size !== clientIds.length)
    problems.push("SUBSCRIPTIONS_FILE: every clientId must be unique");
  const names = entries.map((e) => e.name);
  if (new Set(names).size !== names.length)
    problems.push("SUBSCRIPTIONS_FILE: every name must be unique");
  return { entries, problems };
}

export function loadIngressConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const devDefaultsInUse: (keyof typeof devCredentials)[] = [];
  const { entries, problems } = subscriptionsOf(env, devDefaultsInUse);
  const e = loadConfig(IngressEnv, env, problems);
  const tolerance: TimestampTolerance = e.HMAC_TIMESTAMP_CHECK && {
    pastSec: e.HMAC_TOLERANCE_PAST_SEC,
    futureSec: e.HMAC_TOLERANCE_FUTURE_SEC,
  };
  const subscriptions = entries.map((entry) => toSubscription(entry, tolerance));
  if (e.TOKEN_SIGNING_KEY === undefined) devDefaultsInUse.push("TOKEN_SIGNING_KEY");

  return {
    ...commonConfigOf(e),
    port: e.PORT,
    host: e.HOST,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
    retryAfterSec: e.RETRY_AFTER_SEC,
    dedupTtlSec: e.DEDUP_TTL_SEC,
    retention: {
      completedAgeSec: e.RETAIN_COMPLETED_SEC,
      completedCount: e.RETAIN_COMPLETED_COUNT,
      failedAgeSec: e.RETAIN_FAILED_SEC,
      failedCount: e.RETAIN_FAILED_COUNT,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    token: {
      issuer: e.TOKEN_ISSUER,
      audience: e.TOKEN_AUDIENCE,
      ttlSec: e.TOKEN_TTL_SEC,
      signingKey: e.TOKEN_SIGNING_KEY ?? devCredentials.TOKEN_SIGNING_KEY,
      previousSigningKeys: e.TOKEN_PREVIOUS_SIGNING_KEYS,
    },
    authFailureLimits: {
      perAddress: e.AUTH_FAILURES_PER_ADDRESS,
      perClientAddress: e.AUTH_FAILURES_PER_CLIENT_ADDRESS,
      windowSec: e.AUTH_FAILURE_WINDOW_SEC,
    },
    trustProxy: e.TRUST_PROXY,
    subscriptions,
    retryOverride: { attempts: e.RETRY_ATTEMPTS, backoffMs: e.RETRY_BACKOFF_MS },
    devDefaultsInUse,
  };
}
