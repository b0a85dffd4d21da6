import { createSecretKey, type KeyObject, randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";

export type AccessTokens = {
  issue(clientId: string, ttlSec: number): string;
  /** The client id the token was issued to, or why it is refused. */
  verify(token: string): { ok: true; clientId: string } | { ok: false; reason: string };
};

const algorithm = "HS256";

/**
 * Stateless signed tokens: issuing one never invalidates another, which is what Spotnana's
 * delivery nodes need when they authenticate concurrently with the same credentials. The key
 * is a KeyObject, created once: given a string, jsonwebtoken tries it as a public key first
 * on every call, which costs ~40x more CPU (see docs/decisions.md).
 */
export function createAccessTokens(options: {
  signingKey: string;
  issuer: string;
  audience: string;
}): AccessTokens {
  const key: KeyObject = createSecretKey(Buffer.from(options.signingKey, "utf8"));
  return {
    issue(clientId, ttlSec) {
      return jwt.sign({}, key, {
        algorithm,
        issuer: options.issuer,
        audience: options.audience,
        subject: clientId,
        expiresIn: ttlSec,
        jwtid: randomUUID(),
      });
    },
    verify(token) {
      try {
        const claims = jwt.verify(token, key, {
          algorithms: [algorithm],
          issuer: options.issuer,
          audience: options.audience,
        });
        if (typeof claims === "string" || typeof claims.sub !== "string") {
          return { ok: false, reason: "token has no subject" };
        }
        return { ok: true, clientId: claims.sub };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : "invalid token" };
      }
    },
  };
}
