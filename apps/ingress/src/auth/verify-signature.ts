import { createHmac, timingSafeEqual } from "node:crypto";
import type { TimestampTolerance } from "../subscriptions/subscription.ts";

export type SignedHeaders = {
  id: string;
  timestamp: string;
  signatureHeader: string;
};

export type SignedDelivery = SignedHeaders & { body: Buffer };

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const unixSeconds = /^\d{1,12}$/;
const base64Signature = /^[A-Za-z0-9+/]+={0,2}$/;
/** HMAC-SHA256: a signature of another length can never match. */
const signatureBytes = 32;

/**
 * The signatures in the header: space-separated (several during a key rotation), each bare
 * Base64 or Standard Webhooks' `v1,<base64>`. Tokens of another version are ignored, not failed,
 * so a future scheme sent alongside v1 does not break verification.
 */
export function signaturesIn(header: string): Buffer[] {
  return header
    .split(/\s+/)
    .filter((token) => token.length > 0)
    .flatMap((token) => {
      const comma = token.indexOf(",");
      if (comma !== -1 && token.slice(0, comma) !== "v1") return [];
      const encoded = comma === -1 ? token : token.slice(comma + 1);
      if (!base64Signature.test(encoded)) return [];
      const signature = Buffer.from(encoded, "base64");
      return signature.length === signatureBytes ? [signature] : [];
    });
}

/** Whether the timestamp is Unix seconds within the window; costs nothing, needs no body. */
export function checkTimestamp(
  timestamp: string,
  tolerance: TimestampTolerance,
  nowSec: number,
): SignatureCheck {
  if (!unixSeconds.test(timestamp)) return { ok: false, reason: "timestamp is not Unix seconds" };
  if (tolerance !== false) {
    const age = nowSec - Number(timestamp);
    if (age > tolerance.pastSec) return { ok: false, reason: "timestamp is too old" };
    if (-age > tolerance.futureSec) return { ok: false, reason: "timestamp is in the future" };
  }
  return { ok: true };
}

/**
 * Whether any of `signatures` is HMAC-SHA256 over `{id}.{timestamp}.{body}` with any of `keys`
 * (current and previous during a rotation). Comparisons are constant-time.
 */
export function anySignatureMatches(
  headers: SignedHeaders,
  signatures: readonly Buffer[],
  body: Buffer,
  keys: readonly Buffer[],
): boolean {
  const prefix = Buffer.from(`${headers.id}.${headers.timestamp}.`, "utf8");
  for (const key of keys) {
    const expected = createHmac("sha256", key).update(prefix).update(body).digest();
    for (const signature of signatures) {
      if (timingSafeEqual(signature, expected)) return true;
    }
  }
  return false;
}

/**
 * Verifies Spotnana's HMAC scheme: the timestamp window (which bounds replays of a captured
 * delivery), then HMAC-SHA256 over `{id}.{timestamp}.{raw body}` with each configured key.
 */
export function verifySignature(
  delivery: SignedDelivery,
  keys: readonly Buffer[],
  tolerance: TimestampTolerance,
  nowSec: number,
): SignatureCheck {
  const timely = checkTimestamp(delivery.timestamp, tolerance, nowSec);
  if (!timely.ok) return timely;
  const given = signaturesIn(delivery.signatureHeader);
  if (given.length === 0) return { ok: false, reason: "no v1 signature in the header" };
  return anySignatureMatches(delivery, given, delivery.body, keys)
    ? { ok: true }
    : { ok: false, reason: "no signature matches" };
}
