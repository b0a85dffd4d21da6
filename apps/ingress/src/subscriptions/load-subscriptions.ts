import { envValue } from "@skyhook/service-kit";
import { devCredentials } from "../dev-credentials.ts";
import {
  type FieldLabel,
  productionCredentialProblems,
  productionTokenKeyProblems,
} from "./production-secrets.ts";
import { SubscriptionEntry } from "./subscription.ts";
import { type Entries, readSubscriptionsFile } from "./subscriptions-file.ts";

/** Where each field of the single subscription configured by environment comes from. */
const envNames: Record<string, string> = {
  name: "SPOTNANA_SUBSCRIPTION_NAME",
  clientId: "SPOTNANA_CLIENT_ID",
  clientSecret: "SPOTNANA_CLIENT_SECRET",
  clientSecrets: "SPOTNANA_CLIENT_SECRET_PREVIOUS",
  signingSecrets: "SPOTNANA_SIGNING_SECRETS",
};

/**
 * Every variable that configures who may authenticate. Development defaults apply only when
 * none of them is set: a deployment that configured any credential and forgot another must
 * not fall back to a value published in this repository.
 */
const credentialVariables = [
  "SUBSCRIPTIONS_FILE",
  "SPOTNANA_CLIENT_ID",
  "SPOTNANA_CLIENT_SECRET",
  "SPOTNANA_CLIENT_SECRET_PREVIOUS",
  "SPOTNANA_SIGNING_SECRETS",
  "TOKEN_SIGNING_KEY",
  "TOKEN_PREVIOUS_SIGNING_KEYS",
] as const;

/** The environment's subscription fields as given, before any validation. */
function envEntry(env: NodeJS.ProcessEnv): SubscriptionEntry {
  const previous = envValue(env, "SPOTNANA_CLIENT_SECRET_PREVIOUS");
  return {
    name: envValue(env, "SPOTNANA_SUBSCRIPTION_NAME") ?? "spotnana",
    clientId: envValue(env, "SPOTNANA_CLIENT_ID"),
    clientSecret: envValue(env, "SPOTNANA_CLIENT_SECRET"),
    clientSecrets: previous === undefined ? undefined : [previous],
    signingSecrets: envValue(env, "SPOTNANA_SIGNING_SECRETS")?.split(/\s+/),
  };
}

/** The single subscription configured by environment (OAuth, HMAC, or both). */
function subscriptionFromEnv(env: NodeJS.ProcessEnv): Entries {
  const given = envEntry(env);
  const { clientId, clientSecret, signingSecrets } = given;
  if (clientId === undefined && clientSecret === undefined && signingSecrets === undefined) {
    const missing =
      env.NODE_ENV === "production"
        ? "required when NODE_ENV=production (or SPOTNANA_SIGNING_SECRETS for HMAC only, or SUBSCRIPTIONS_FILE)"
        : "required once any credential is configured: development defaults apply only when none is (or set SPOTNANA_SIGNING_SECRETS for HMAC only, or SUBSCRIPTIONS_FILE)";
    return {
      entries: [],
      problems: [`SPOTNANA_CLIENT_ID: ${missing}`, `SPOTNANA_CLIENT_SECRET: ${missing}`],
    };
  }
  const parsed = SubscriptionEntry.safeParse(given);
  if (parsed.success) return { entries: [parsed.data], problems: [] };
  return {
    entries: [],
    problems: parsed.error.issues.map(
      (i) => `${envNames[String(i.path[0])] ?? "SPOTNANA_*"}: ${i.message}`,
    ),
  };
}

const envLabel: FieldLabel = (_index, field, item) => {
  const name = envNames[field] ?? field;
  return field === "signingSecrets" && item !== undefined ? `${name} (secret ${item + 1})` : name;
};

const fileLabel =
  (entries: readonly SubscriptionEntry[]): FieldLabel =>
  (index, field, item) =>
    `SUBSCRIPTIONS_FILE [${index}] "${entries[index]?.name ?? ""}".${field}${item === undefined ? "" : `[${item}]`}`;

export type LoadedSubscriptions = Entries & {
  /** Nothing configured outside production: the development client and signing key apply. */
  devDefaults: boolean;
};

/**
 * Everything that needs more than the env schema: the subscriptions (file or environment),
 * the token-signing key they need, the production secret rules, unique client ids and names.
 * Made on the raw environment so it is reported together with any schema problem, in one error.
 */
export function loadSubscriptions(env: NodeJS.ProcessEnv): LoadedSubscriptions {
  const production = env.NODE_ENV === "production";
  const configured = credentialVariables.some((name) => envValue(env, name) !== undefined);
  if (!configured && !production) {
    const entry = {
      name: envValue(env, "SPOTNANA_SUBSCRIPTION_NAME") ?? "spotnana",
      clientId: devCredentials.SPOTNANA_CLIENT_ID,
      clientSecret: devCredentials.SPOTNANA_CLIENT_SECRET,
    };
    return { entries: [entry], problems: [], devDefaults: true };
  }
  const file = envValue(env, "SUBSCRIPTIONS_FILE");
  const read = file === undefined ? subscriptionFromEnv(env) : readSubscriptionsFile(file);
  const { entries } = read;
  const problems = [...read.problems];
  const signingKey = envValue(env, "TOKEN_SIGNING_KEY");
  // By environment, nothing but signing secrets means HMAC only; with nothing at all, the
  // missing OAuth client is what is reported, and it would need a key too.
  const oauthInUse =
    file === undefined
      ? envValue(env, "SPOTNANA_CLIENT_ID") !== undefined ||
        envValue(env, "SPOTNANA_CLIENT_SECRET") !== undefined ||
        envValue(env, "SPOTNANA_SIGNING_SECRETS") === undefined
      : entries.some((e) => e.clientId !== undefined);
  if (oauthInUse && signingKey === undefined) {
    problems.push(
      "TOKEN_SIGNING_KEY: required when an OAuth client is configured (SPOTNANA_CLIENT_ID or a clientId in SUBSCRIPTIONS_FILE), whatever NODE_ENV; generate one, e.g. openssl rand -base64 48",
    );
  }
  if (production) {
    problems.push(
      // The environment's values are judged as given, so a schema problem in one variable
      // does not hide a weak secret in another.
      ...(file === undefined
        ? productionCredentialProblems([envEntry(env)], envLabel)
        : productionCredentialProblems(entries, fileLabel(entries))),
      ...productionTokenKeyProblems(
        signingKey,
        envValue(env, "TOKEN_PREVIOUS_SIGNING_KEYS")?.split(/\s+/) ?? [],
      ),
    );
  }
  const clientIds = entries.flatMap((e) => (e.clientId === undefined ? [] : [e.clientId]));
  if (new Set(clientIds).size !== clientIds.length)
    problems.push("SUBSCRIPTIONS_FILE: every clientId must be unique");
  const names = entries.map((e) => e.name);
  if (new Set(names).size !== names.length)
    problems.push("SUBSCRIPTIONS_FILE: every name must be unique");
  return { entries, problems, devDefaults: false };
}
