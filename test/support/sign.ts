import { createHmac, randomBytes } from "node:crypto";

/** A fresh Spotnana-style signing secret. */
export const newSigningSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/**
 * Signs like Spotnana (computed here, independently of the ingress's code): HMAC-SHA256 over
 * `{id}.{timestamp}.{body}` keyed with the Base64-decoded secret, Base64 output.
 */
export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return createHmac("sha256", key).update(`${id}.${timestampSec}.${body}`).digest("base64");
}

export function signedHeaders(
  secret: string,
  body: string,
  options: {
    id?: string;
    timestampSec?: number;
    form?: "bare" | "v1";
    names?: "spotnana" | "standard";
  } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(8).toString("hex")}`;
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature = sign(secret, id, timestampSec, body);
  const value = options.form === "v1" ? `v1,${signature}` : signature;
  const prefix = options.names === "standard" ? "webhook-" : "x-spotnana-webhook-";
  return {
    [`${prefix}id`]: id,
    [`${prefix}timestamp`]: String(timestampSec),
    [`${prefix}signature`]: value,
  };
}
