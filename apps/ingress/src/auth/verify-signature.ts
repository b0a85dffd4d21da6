import { createHmac, timingSafeEqual } from "node:crypto";

export type TimestampTolerance = { pastSec: number; futureSec: number } | false;

export type SignedDelivery = {
  id: string;
  timestamp: string;
  signatureHeader: string;
  body: Buffer;
};

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const unixSeconds = /^\d{1,12}$/;
const base64Signature = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The signatures in the header: space-separated (several during a key rotation), each bare
 * Base64 or Standard Webhooks' `v1,<base64>`. Tokens of another version are ignored, not failed,
 * so a future scheme sent alongside v1 does not break verification.
 */
function signaturesIn(header: string): Buffer[] {
  return header
    .split(/\s+/)
    .filter((token) => token.length > 0)
    .flatMap((token) => {
      const comma = token.indexOf(",");
      if (comma !== -1 && token.slice(0, comma) !== "v1") return [];
      const encoded = comma === -1 ? token : token.slice(comma + 1);
      return base64Signature.test(encoded) ? [Buffer.from(encoded, "base64")] : [];
    });
}

/**
 * Verifies Spotnana's HMAC scheme: HMAC-SHA256 over `{id}.{timestamp}.{raw body}` with each
 * configured key (current and previous during rotation); any match accepts. Comparisons are
 * constant-time. The timestamp window, when enforced, bounds replays of a captured delivery.
 */
export function verifySignature(
  delivery: SignedDelivery,
  keys: readonly Buffer[],
  tolerance: TimestampTolerance,
  nowSec: number,
): SignatureCheck {
  if (!unixSeconds.test(delivery.timestamp))
    return { ok: false, reason: "timestamp is not Unix seconds" };
  if (tolerance !== false) {
    const age = nowSec - Number(delivery.timestamp);
    if (age > tolerance.pastSec) return { ok: false, reason: "timestamp is too old" };
    if (-age > tolerance.futureSec) return { ok: false, reason: "timestamp is in the future" };
  }
  const given = signaturesIn(delivery.signatureHeader);
  if (given.length === 0) return { ok: false, reason: "no v1 signature in the header" };

  const prefix = Buffer.from(`${delivery.id}.${delivery.timestamp}.`, "utf8");
  for (const key of keys) {
    const expected = createHmac("sha256", key).update(prefix).update(delivery.body).digest();
    for (const signature of given) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected))
        return { ok: true };
    }
  }
  return { ok: false, reason: "no signature matches" };
}
