import { createHash, createSecretKey, type KeyObject, randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { z } from "zod";

/**
 * Why a Bearer token is refused, for the 401 and the log: an operator tells an expired token
 * (the sender should fetch a new one) from a forged or foreign one.
 */
export const tokenRefusalReasons = [
  "expired",
  "not yet valid",
  "bad signature",
  "wrong audience/issuer",
  "malformed",
  "unknown client",
] as const;
export type TokenRefusalReason = (typeof tokenRefusalReasons)[number];

/**
 * A refused token's `reason`, and a `detail` from a fixed set of phrases: neither ever quotes
 * the token, so both may go in a response body and a log line.
 */
export type TokenVerification =
  | { ok: true; clientId: string }
  | { ok: false; reason: TokenRefusalReason; detail: string };

export type AccessTokens = {
  issue(clientId: string, ttlSec: number): string;
  /** The client id the token was issued to, or why it is refused. */
  verify(token: string): TokenVerification;
};

const algorithm = "HS256";

const IssuedClaims = z.object({
  iss: z.unknown(),
  aud: z.unknown(),
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  nbf: z.number().optional(),
});
const issuedClaimNames = ["iss", "aud", "sub", "jti", "iat", "exp"] as const;

/**
 * How far ahead of this replica's clock a token's `iat` may be: the replica that issued it may
 * run a little ahead. A token issued further in the future was issued by no replica.
 */
const issuedAtSkewSec = 60;

/** A key's id: derived from the key, so every ingress replica agrees without configuration. */
const keyIdOf = (secret: string) =>
  createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16);

const refused = (reason: TokenRefusalReason, detail: string): TokenVerification => ({
  ok: false,
  reason,
  detail,
});

type TokenOptions = {
  signingKey: string;
  previousSigningKeys?: readonly string[];
  issuer: string;
  audience: string;
  /**
   * The longest lifetime tokens are issued with (`TOKEN_TTL_SEC` or a client's `tokenTtlSec`):
   * a token that lives longer, however well signed, was not issued here and is refused.
   */
  maxTtlSec: number;
  /** Whether a client id still belongs to a subscription; unset, every client id does. */
  isConfiguredClient?: (clientId: string) => boolean;
};

/**
 * The claims of a token whose signature verified, judged against what `issue` writes. Every
 * issued claim must be present: without `exp`, a token signed with a real key would never
 * expire.
 */
function judgeClaims(claims: unknown, options: TokenOptions, nowSec: number): TokenVerification {
  const present = typeof claims === "object" && claims !== null ? claims : {};
  const missing = issuedClaimNames.filter((name) => !(name in present));
  if (missing.length > 0) return refused("malformed", `lacks issued claims: ${missing.join(", ")}`);
  const issued = IssuedClaims.safeParse(claims);
  if (!issued.success) {
    const wrong = [...new Set(issued.error.issues.map((i) => String(i.path[0])))];
    return refused("malformed", `claims of the wrong type: ${wrong.join(", ")}`);
  }
  const { iss, aud, sub, iat, exp, nbf } = issued.data;
  if (iss !== options.issuer || aud !== options.audience)
    return refused("wrong audience/issuer", "issued for another audience or by another issuer");
  if (nowSec >= exp) return refused("expired", "past its exp");
  if ((nbf !== undefined && nbf > nowSec) || iat > nowSec + issuedAtSkewSec)
    return refused("not yet valid", "issued in the future");
  // jsonwebtoken checks that exp has not passed, not that it is within what was issued.
  if (exp - iat > options.maxTtlSec)
    return refused("malformed", `lifetime exceeds the longest issued (${options.maxTtlSec} s)`);
  if (options.isConfiguredClient?.(sub) === false)
    return refused("unknown client", "its client is no longer configured");
  return { ok: true, clientId: sub };
}

/**
 * Stateless signed tokens: issuing one never invalidates another, which is what Spotnana's
 * delivery nodes need when they authenticate concurrently with the same credentials. Tokens
 * carry the signing key's id (`kid`): after a key change, tokens signed with a previous key
 * stay valid until they expire. Keys are KeyObjects created once: given a string,
 * jsonwebtoken tries it as a public key first on every call, ~40x the CPU.
 *
 * jsonwebtoken checks the header and the signature only; the claims are judged here, so each
 * refusal gets its reason without reading a library's error message.
 */
export function createAccessTokens(options: TokenOptions): AccessTokens {
  const currentKid = keyIdOf(options.signingKey);
  const current: KeyObject = createSecretKey(Buffer.from(options.signingKey, "utf8"));
  const keys = new Map<string, KeyObject>([
    ...(options.previousSigningKeys ?? []).map(
      (secret) => [keyIdOf(secret), createSecretKey(Buffer.from(secret, "utf8"))] as const,
    ),
    [currentKid, current],
  ]);
  return {
    issue(clientId, ttlSec) {
      return jwt.sign({}, current, {
        algorithm,
        keyid: currentKid,
        issuer: options.issuer,
        audience: options.audience,
        subject: clientId,
        expiresIn: ttlSec,
        jwtid: randomUUID(),
      });
    },
    verify(token) {
      try {
        // The header is read inside jsonwebtoken's own decode (the key callback), so the
        // token is decoded once. The callback runs synchronously, and so does `done`.
        let reachedHeader = false;
        let refusal: TokenVerification | undefined;
        let outcome: { err: Error | null; claims: unknown } | undefined;
        jwt.verify(
          token,
          (header, useKey) => {
            reachedHeader = true;
            const kid = header.kid;
            const key = kid === undefined ? undefined : keys.get(kid);
            // RFC 7515 §4.1.11: extensions listed as critical must be understood; none are here.
            if ("crit" in header)
              refusal = refused("malformed", "header names critical extensions");
            else if (header.alg !== algorithm)
              refusal = refused("bad signature", "not signed with HS256");
            else if (key === undefined)
              refusal = refused("bad signature", "signed with an unknown key");
            if (refusal !== undefined || key === undefined) useKey(new Error("refused"));
            else useKey(null, key);
          },
          { algorithms: [algorithm], ignoreExpiration: true, ignoreNotBefore: true },
          (err, claims) => {
            outcome = { err, claims };
          },
        );
        if (refusal !== undefined) return refusal;
        // Refused before a header was read: not three parts, not Base64url, not JSON.
        if (!reachedHeader || outcome === undefined) return refused("malformed", "not a JWT");
        // With the header, algorithm and key accepted, all jsonwebtoken still checks is the
        // signature (expiry and not-before are judged below).
        if (outcome.err !== null) return refused("bad signature", "signature does not verify");
        return judgeClaims(outcome.claims, options, Math.floor(Date.now() / 1000));
      } catch {
        return refused("malformed", "not a JWT");
      }
    },
  };
}
