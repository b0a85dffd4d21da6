import { createHash, createHmac } from "node:crypto";

/** The ingress's documented key id: the first 16 hex digits of the signing key's SHA-256. */
export const keyIdOf = (signingKey: string) =>
  createHash("sha256").update(signingKey, "utf8").digest("hex").slice(0, 16);

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A JWT built by hand rather than by a JWT library, so any claim or header may be odd (a
 * library refuses to write many of them): HS256 with `signingKey` and its real key id unless
 * `header` overrides them; a header saying `alg: "none"` leaves the token unsigned.
 */
export function forgeToken(
  signingKey: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const fullHeader = { alg: "HS256", typ: "JWT", kid: keyIdOf(signingKey), ...header };
  const unsigned = `${b64url(fullHeader)}.${b64url(claims)}`;
  const signature =
    fullHeader.alg === "none"
      ? ""
      : createHmac("sha256", signingKey).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}
