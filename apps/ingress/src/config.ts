import { readFileSync } from "node:fs";
import {
  CommonEnv,
  ConfigError,
  envInt,
  envOptionalInt,
  envString,
  loadConfig,
  refuseDevDefaults,
} from "@skyhook/service-kit";
import { z } from "zod";

/** One Spotnana subscription: the OAuth client Spotnana's delivery nodes authenticate as. */
export const Subscription = z.object({
  name: z.string().trim().min(1),
  clientId: z.string().trim().min(1),
  clientSecret: z.string().min(8),
  tokenTtlSec: z.number().int().min(60).max(86_400).optional(),
});
export type Subscription = z.infer<typeof Subscription>;

export const SubscriptionsFile = z.array(Subscription).min(1);

export const devCredentials = {
  SPOTNANA_CLIENT_ID: "skyhook-dev",
  SPOTNANA_CLIENT_SECRET: "skyhook-dev-secret",
  TOKEN_SIGNING_KEY: "skyhook-dev-token-signing-key-do-not-use-in-production",
} as const;

const IngressEnv = CommonEnv.extend({
  PORT: envInt(8080),
  HOST: z.string().default("0.0.0.0"),
  BODY_LIMIT_BYTES: envInt(10 * 1024 * 1024, 1024),
  ENQUEUE_TIMEOUT_MS: envInt(2_000, 50),
  RETRY_AFTER_SEC: envInt(5, 1),
  DEDUP_TTL_SEC: envInt(14 * 24 * 3600, 60),
  TOKEN_ISSUER: z.string().min(1).default("skyhook"),
  TOKEN_AUDIENCE: z.string().min(1).default("skyhook-webhooks"),
  TOKEN_TTL_SEC: envInt(3600, 60),
  TOKEN_SIGNING_KEY: envString().pipe(z.string().min(32, "at least 32 characters").optional()),
  SUBSCRIPTIONS_FILE: envString(),
  SPOTNANA_SUBSCRIPTION_NAME: z.string().min(1).default("spotnana"),
  SPOTNANA_CLIENT_ID: envString(),
  SPOTNANA_CLIENT_SECRET: envString(),
  RETRY_ATTEMPTS: envOptionalInt(1, 100),
  RETRY_BACKOFF_MS: envOptionalInt(0),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
});

export type IngressConfig = {
  nodeEnv: "development" | "test" | "production";
  logLevel: string;
  redisUrl: string;
  queuePrefix: string;
  port: number;
  host: string;
  bodyLimitBytes: number;
  enqueueTimeoutMs: number;
  retryAfterSec: number;
  dedupTtlSec: number;
  shutdownTimeoutMs: number;
  token: { issuer: string; audience: string; ttlSec: number; signingKey: string };
  subscriptions: Subscription[];
  retryOverride: { attempts: number | undefined; backoffMs: number | undefined };
  /** Names of the development defaults in use, so start-up can say so loudly. */
  devDefaultsInUse: string[];
};

function readSubscriptionsFile(path: string): Subscription[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError([`SUBSCRIPTIONS_FILE: cannot read ${path} as JSON (${String(err)})`]);
  }
  const parsed = SubscriptionsFile.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map(
      (i) => `SUBSCRIPTIONS_FILE ${path} [${i.path.join(".")}]: ${i.message}`,
    ),
  );
}

export function loadIngressConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const e = loadConfig(IngressEnv, env);
  const isProduction = e.NODE_ENV === "production";
  const fromFile = e.SUBSCRIPTIONS_FILE !== undefined;

  const problems = refuseDevDefaults(
    isProduction,
    {
      TOKEN_SIGNING_KEY: e.TOKEN_SIGNING_KEY,
      ...(fromFile
        ? {}
        : {
            SPOTNANA_CLIENT_ID: e.SPOTNANA_CLIENT_ID,
            SPOTNANA_CLIENT_SECRET: e.SPOTNANA_CLIENT_SECRET,
          }),
    },
    fromFile ? { TOKEN_SIGNING_KEY: devCredentials.TOKEN_SIGNING_KEY } : devCredentials,
  );
  if (isProduction && !fromFile && (e.SPOTNANA_CLIENT_SECRET?.length ?? 0) < 16) {
    problems.push("SPOTNANA_CLIENT_SECRET: at least 16 characters when NODE_ENV=production");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const devDefaultsInUse: string[] = [];
  const orDev = (name: keyof typeof devCredentials, value: string | undefined): string => {
    if (value !== undefined) return value;
    devDefaultsInUse.push(name);
    return devCredentials[name];
  };

  const subscriptions = fromFile
    ? readSubscriptionsFile(e.SUBSCRIPTIONS_FILE ?? "")
    : [
        {
          name: e.SPOTNANA_SUBSCRIPTION_NAME,
          clientId: orDev("SPOTNANA_CLIENT_ID", e.SPOTNANA_CLIENT_ID),
          clientSecret: orDev("SPOTNANA_CLIENT_SECRET", e.SPOTNANA_CLIENT_SECRET),
        },
      ];
  const clientIds = subscriptions.map((s) => s.clientId);
  if (new Set(clientIds).size !== clientIds.length) {
    throw new ConfigError(["subscriptions: every clientId must be unique"]);
  }

  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    port: e.PORT,
    host: e.HOST,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
    retryAfterSec: e.RETRY_AFTER_SEC,
    dedupTtlSec: e.DEDUP_TTL_SEC,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    token: {
      issuer: e.TOKEN_ISSUER,
      audience: e.TOKEN_AUDIENCE,
      ttlSec: e.TOKEN_TTL_SEC,
      signingKey: orDev("TOKEN_SIGNING_KEY", e.TOKEN_SIGNING_KEY),
    },
    subscriptions,
    retryOverride: { attempts: e.RETRY_ATTEMPTS, backoffMs: e.RETRY_BACKOFF_MS },
    devDefaultsInUse,
  };
}
