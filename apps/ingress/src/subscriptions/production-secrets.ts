import { weakSecretReason } from "@skyhook/service-kit";
import { devCredentials } from "../dev-credentials.ts";
import { signingKeyOf } from "./signing-secret.ts";
import type { SubscriptionEntry } from "./subscription.ts";

/** OAuth client secrets and token-signing keys: what `openssl rand -base64 24` makes. */
export const minProductionSecretLength = 32;
/** HMAC keys: the Standard Webhooks scheme Spotnana follows hands out 24 to 64 bytes. */
export const minProductionSigningKeyBytes = 24;

const refusal = "refused when NODE_ENV=production";

/** Why a client secret or token-signing key cannot be used in production, or undefined. */
export function productionSecretReason(value: string, devValue?: string): string | undefined {
  if (value === devValue) return "the development default";
  return weakSecretReason(value, minProductionSecretLength);
}

/**
 * Why a `whsec_` signing secret cannot be used in production, or undefined. Judged on the
 * decoded key, the bytes the HMAC uses: the shipped placeholder is Base64 for
 * "replace-with-spotnanas-secret", which no rule on its encoded form would catch.
 */
export function productionSigningSecretReason(secret: string): string | undefined {
  const key = signingKeyOf(secret);
  // Not a signing secret at all: the schema names it already.
  if (key === undefined) return undefined;
  if (key.length < minProductionSigningKeyBytes)
    return `its key is ${key.length} bytes, fewer than ${minProductionSigningKeyBytes}`;
  const weak = weakSecretReason(key.toString("latin1"), 0);
  return weak === undefined ? undefined : `its decoded key ${weak}`;
}

/** Where each field of a subscription came from, to name it in a refusal. */
export type FieldLabel = (index: number, field: string, item?: number) => string;

/** Every production refusal of the subscriptions' credentials, each naming where it is. */
export function productionCredentialProblems(
  entries: readonly SubscriptionEntry[],
  label: FieldLabel,
): string[] {
  return entries.flatMap((entry, index) => {
    const problems: string[] = [];
    const refuse = (where: string, reason: string | undefined) => {
      if (reason !== undefined) problems.push(`${where}: ${reason} (${refusal})`);
    };
    if (entry.clientId === devCredentials.SPOTNANA_CLIENT_ID)
      refuse(label(index, "clientId"), "the development default");
    if (entry.clientSecret !== undefined)
      refuse(
        label(index, "clientSecret"),
        productionSecretReason(entry.clientSecret, devCredentials.SPOTNANA_CLIENT_SECRET),
      );
    (entry.clientSecrets ?? []).forEach((secret, item) => {
      refuse(
        label(index, "clientSecrets", item),
        productionSecretReason(secret, devCredentials.SPOTNANA_CLIENT_SECRET),
      );
    });
    (entry.signingSecrets ?? []).forEach((secret, item) => {
      refuse(label(index, "signingSecrets", item), productionSigningSecretReason(secret));
    });
    return problems;
  });
}

/**
 * Production refusals of the token-signing keys, current and previous. A key shorter than the
 * minimum is left to the env schema, which refuses it whatever NODE_ENV.
 */
export function productionTokenKeyProblems(
  signingKey: string | undefined,
  previousKeys: readonly string[],
): string[] {
  const problems: string[] = [];
  const judged = (key: string) =>
    key.length < minProductionSecretLength
      ? undefined
      : productionSecretReason(key, devCredentials.TOKEN_SIGNING_KEY);
  const reason = signingKey === undefined ? undefined : judged(signingKey);
  if (reason !== undefined) problems.push(`TOKEN_SIGNING_KEY: ${reason} (${refusal})`);
  previousKeys.forEach((key, item) => {
    const weak = judged(key);
    if (weak !== undefined)
      problems.push(
        `TOKEN_PREVIOUS_SIGNING_KEYS (key ${item + 1} of ${previousKeys.length}): ${weak} (${refusal})`,
      );
  });
  return problems;
}
