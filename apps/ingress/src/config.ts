import { readFileSync } from "node:fs";
import {
  CommonEnv,
  envInt,
  envOptionalInt,
  envPort,
  envString,
  envValue,
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
  PORT: envPort(8080),
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
  devDefaultsInUse: (keyof typeof devCredentials)[];
};

type FileRead = { subscriptions: Subscription[]; problems: string[] };

function readSubscriptionsFile(path: string): FileRead {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return {
      subscriptions: [],
      problems: [`SUBSCRIPTIONS_FILE: cannot read ${path} as JSON (${String(err)})`],
    };
  }
  const parsed = SubscriptionsFile.safeParse(raw);
  if (parsed.success) return { subscriptions: parsed.data, problems: [] };
  return {
    subscriptions: [],
    problems: parsed.error.issues.map(
      (i) => `SUBSCRIPTIONS_FILE ${path} [${i.path.join(".")}]: ${i.message}`,
    ),
  };
}

const minProductionSecretLength = 16;

/** The rules a client secret must meet in production, wherever it is configured. */
function productionSecretProblems(label: string, secret: string): string[] {
  if (secret === devCredentials.SPOTNANA_CLIENT_SECRET) {
    return [`${label}: the development default is refused when NODE_ENV=production`];
  }
  if (secret.length < minProductionSecretLength) {
    return [`${label}: at least ${minProductionSecretLength} characters when NODE_ENV=production`];
  }
  return [];
}

/**
 * Checks that need more than the schema: production credentials, the subscriptions file, and
 * unique client ids. Made on the raw environment so they are reported together with any
 * schema problem, in one error.
 */
function credentialProblems(env: NodeJS.ProcessEnv): FileRead {
  const isProduction = env.NODE_ENV === "production";
  const file = envValue(env, "SUBSCRIPTIONS_FILE");
  const fromFile = file === undefined ? undefined : readSubscriptionsFile(file);
  const problems = refuseDevDefaults(
    isProduction,
    {
      TOKEN_SIGNING_KEY: envValue(env, "TOKEN_SIGNING_KEY"),
      SPOTNANA_CLIENT_ID: envValue(env, "SPOTNANA_CLIENT_ID"),
      SPOTNANA_CLIENT_SECRET: envValue(env, "SPOTNANA_CLIENT_SECRET"),
    },
    fromFile === undefined
      ? devCredentials
      : { TOKEN_SIGNING_KEY: devCredentials.TOKEN_SIGNING_KEY },
  );
  const envSecret = envValue(env, "SPOTNANA_CLIENT_SECRET");
  if (
    isProduction &&
    fromFile === undefined &&
    envSecret !== undefined &&
    envSecret !== devCredentials.SPOTNANA_CLIENT_SECRET
  ) {
    problems.push(...productionSecretProblems("SPOTNANA_CLIENT_SECRET", envSecret));
  }
  const subscriptions = fromFile?.subscriptions ?? [];
  problems.push(...(fromFile?.problems ?? []));
  if (isProduction) {
    for (const [index, s] of subscriptions.entries()) {
      problems.push(
        ...productionSecretProblems(`SUBSCRIPTIONS_FILE [${index}].clientSecret`, s.clientSecret),
      );
      if (s.clientId === devCredentials.SPOTNANA_CLIENT_ID) {
        problems.push(
          `SUBSCRIPTIONS_FILE [${index}].clientId: the development default is refused when NODE_ENV=production`,
        );
      }
    }
  }
  const clientIds = subscriptions.map((s) => s.clientId);
  if (new Set(clientIds).size !== clientIds.length) {
    problems.push("SUBSCRIPTIONS_FILE: every clientId must be unique");
  }
  return { subscriptions, problems };
}

export function loadIngressConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const fromFile = credentialProblems(env);
  const e = loadConfig(IngressEnv, env, fromFile.problems);

  const devDefaultsInUse: (keyof typeof devCredentials)[] = [];
  const orDev = (name: keyof typeof devCredentials, value: string | undefined): string => {
    if (value !== undefined) return value;
    devDefaultsInUse.push(name);
    return devCredentials[name];
  };

  const subscriptions =
    e.SUBSCRIPTIONS_FILE !== undefined
      ? fromFile.subscriptions
      : [
          {
            name: e.SPOTNANA_SUBSCRIPTION_NAME,
            clientId: orDev("SPOTNANA_CLIENT_ID", e.SPOTNANA_CLIENT_ID),
            clientSecret: orDev("SPOTNANA_CLIENT_SECRET", e.SPOTNANA_CLIENT_SECRET),
          },
        ];

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
