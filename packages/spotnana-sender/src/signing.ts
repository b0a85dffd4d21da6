import { createHmac, randomBytes } from "node:crypto";

/** A fresh Spotnana-style signing secret: `whsec_` and 24 random bytes in Base64. */
export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`;

/** A delivery id shaped like the ones Spotnana sends. */
export const newDeliveryId = (): string => `msg_${randomBytes(8).toString("hex")}`;

/**
 * Spotnana's signature (the Standard Webhooks scheme, §1a of the sender's contract): HMAC-SHA256
 * over `{id}.{timestamp}.{raw body}`, keyed with the secret's Base64 after `whsec_`, in Base64.
 * Computed here, independently of the ingress's verifier, so that a test of one checks the other.
 */
export function signature(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return createHmac("sha256", key).update(`${id}.${timestampSec}.${body}`).digest("base64");
}

export type SignOptions = {
  /** The delivery's id; the same on every retry and duplicate (default: a new one). */
  id?: string;
  /** Unix seconds of this attempt (default: now). */
  timestampSec?: number;
  /** `bare` Base64 as Spotnana's page shows it (default), or Standard Webhooks' `v1,<base64>`. */
  form?: "bare" | "v1";
  /** `x-spotnana-webhook-*` (default) or the generic Standard Webhooks `webhook-*` names. */
  names?: "spotnana" | "standard";
};

/** The three headers of one signed attempt. */
export function signedHeaders(
  secret: string,
  body: string,
  options: SignOptions = {},
): Record<string, string> {
  const id = options.id ?? newDeliveryId();
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const signed = signature(secret, id, timestampSec, body);
  const prefix = options.names === "standard" ? "webhook-" : "x-spotnana-webhook-";
  return {
    [`${prefix}id`]: id,
    [`${prefix}timestamp`]: String(timestampSec),
    [`${prefix}signature`]: options.form === "v1" ? `v1,${signed}` : signed,
  };
}

/** The B3 trace ids Spotnana puts on every webhook request (support quotes them). */
export function traceHeaders(): Record<string, string> {
  return {
    "x-b3-traceid": randomBytes(16).toString("hex"),
    "x-b3-spanid": randomBytes(8).toString("hex"),
  };
}
