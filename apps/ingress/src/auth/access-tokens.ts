import { createHash, createSecretKey, type KeyObject, randomUUID } from "node:crypto";
import jwt from "jsonwebtoken";
import { z } from "zod";

export type AccessTokens = {
  issue(clientId: string, ttlSec: number): string;
  /** The client id the token was issued to, or why it is refused. */
  verify(token: string): { ok: true; clientId: string } | { ok: false; reason: string };
};

const algorithm = "HS256";

/**
 * Every claim `issue` writes must be present: jsonwebtoken checks `exp` only when a token has
 * one, so without this a token signed with a real key but lacking `exp` would never expire.
 * `iss` and `aud` values are checked by jsonwebtoken; here only their presence and type.
 */
const IssuedClaims = z.object({
  iss: z.string().min(1),
  aud: z.string().min(1),
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
});

/**
 * How far ahead of this replica's clock a token's `iat` may be: the replica that issued it may
 * run a little ahead. A token issued further in the future was issued by no replica.
 */
const issuedAtSkewSec = 60;

/** A key's id: derived from the key, so every ingress replica agrees without configuration. */
const keyIdOf = (secret: string) =>
  createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16);

/**
 * Stateless signed tokens: issuing one never invalidates another, which is what Spotnana's
 * delivery nodes need when they authenticate concurrently with the same credentials. Tokens
 * carry the signing key's id (`kid`): after a key change, tokens signed with a previous key
 * stay valid until they expire. Keys are KeyObjects created once: given a string,
 * jsonwebtoken tries it as a public key first on every call, ~40x the CPU.
 */
export function createAccessTokens(options: {
  signingKey: string;
  previousSigningKeys?: readonly string[];
  issuer: string;
  audience: string;
  /**
   * The longest lifetime tokens are issued with (`TOKEN_TTL_SEC` or a client's `tokenTtlSec`):
   * a token that lives longer, however well signed, was not issued here and is refused.
   */
  maxTtlSec: number;
}): AccessTokens {
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
        let refusal: string | undefined;
        let outcome: { err: Error | null; claims: unknown } | undefined;
        jwt.verify(
          token,
          (header, useKey) => {
            reachedHeader = true;
            // RFC 7515 §4.1.11: extensions listed as critical must be understood; none are here.
            if ("crit" in header) {
              refusal = "token header names critical extensions";
              useKey(new Error(refusal));
              return;
            }
            const kid = header.kid;
            const key = kid === undefined ? undefined : keys.get(kid);
            if (key === undefined) {
              refusal = "token signed with an unknown key";
              useKey(new Error(refusal));
              return;
            }
            useKey(null, key);
          },
          { algorithms: [algorithm], issuer: options.issuer, audience: options.audience },
          (err, claims) => {
            outcome = { err, claims };
          },
        );
        if (outcome === undefined) return { ok: false, reason: "invalid token" };
        if (outcome.err !== null) {
          if (refusal !== undefined) return { ok: false, reason: refusal };
          // Refused before a header was read: not three parts, or not decodable. A header that
          // is not JSON throws a SyntaxError there; that is a refused token too, not a fault.
          if (!reachedHeader && outcome.err instanceof jwt.JsonWebTokenError)
            return { ok: false, reason: "not a JWT" };
          return { ok: false, reason: outcome.err.message };
        }
        const claims = outcome.claims;
        const issued = IssuedClaims.safeParse(claims);
        if (!issued.success) {
          const missing = issued.error.issues.map((i) => i.path.join(".")).join(", ");
          return { ok: false, reason: `token lacks issued claims: ${missing}` };
        }
        // jsonwebtoken checks that exp has not passed, not that it is within what was issued.
        const { iat, exp } = issued.data;
        if (iat > Math.floor(Date.now() / 1000) + issuedAtSkewSec) {
          return { ok: false, reason: "token issued in the future" };
        }
        if (exp - iat > options.maxTtlSec) {
          return {
            ok: false,
            reason: `token lifetime exceeds the longest issued (${options.maxTtlSec} s)`,
          };
        }
        return { ok: true, clientId: issued.data.sub };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : "invalid token" };
      }
    },
  };
}
