import { readFileSync } from "node:fs";
import { envValue, refuseDevDefaults } from "@skyhook/service-kit";
import { z } from "zod";
import { devCredentials } from "../dev-credentials.ts";
import { SubscriptionEntry } from "./subscription.ts";

export const SubscriptionsFile = z.array(SubscriptionEntry).min(1);

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
export function loadSubscriptions(
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
