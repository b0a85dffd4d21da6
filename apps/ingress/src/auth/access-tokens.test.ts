import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createAccessTokens,
  type TokenRefusalReason,
  tokenRefusalReasons,
} from "./access-tokens.ts";

const signingKey = "a-signing-key-of-at-least-32-characters-0123";
const maxTtlSec = 3_600;
const options = { signingKey, issuer: "skyhook", audience: "skyhook-webhooks", maxTtlSec };
/**
 * Built on first use, not at import: a defect that makes construction throw must fail the
 * tests that use it, not the loading of this file (which mutation testing reads as a pass).
 */
const tokens = {
  issue: (...args: Parameters<ReturnType<typeof createAccessTokens>["issue"]>) =>
    createAccessTokens(options).issue(...args),
  verify: (token: string) => createAccessTokens(options).verify(token),
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const kidOf = (key: string) => createHash("sha256").update(key, "utf8").digest("hex").slice(0, 16);

/** A JWT built by hand (not by jsonwebtoken), signed with the real key and its real kid. */
function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: "HS256", typ: "JWT", kid: kidOf(signingKey), ...header });
  const body = b64(claims);
  const mac = createHmac("sha256", signingKey).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${mac}`;
}

/** The claims of a token the ingress really issued, so a test removes exactly one of them. */
function issuedClaims(): Record<string, unknown> {
  const [, payload] = tokens.issue("client-a", 600).split(".");
  return JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

const without = (name: string) => {
  const claims = issuedClaims();
  delete claims[name];
  return claims;
};

describe("access tokens", () => {
  it("accepts a token it issued", () => {
    expect(tokens.verify(tokens.issue("client-a", 600))).toEqual({
      ok: true,
      clientId: "client-a",
    });
  });

  it("accepts a hand-built token carrying every claim it issues (the forger is faithful)", () => {
    expect(tokens.verify(forge(issuedClaims()))).toEqual({ ok: true, clientId: "client-a" });
  });

  it.each(["exp", "iat", "jti", "sub", "iss", "aud"])(
    "refuses a correctly signed token without %s",
    (claim) => {
      expect(tokens.verify(forge(without(claim))).ok).toBe(false);
    },
  );

  it("refuses an expired token that names the real key", () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const claims = { ...issuedClaims(), iat: nowSec - 900, exp: nowSec - 120 };
    expect(tokens.verify(forge(claims))).toEqual({
      ok: false,
      reason: "expired",
      detail: "past its exp",
    });
  });

  it.each([
    ["iss", "skyhook-other"],
    ["aud", "skyhook-webhooks-other"],
    ["sub", 42],
    ["jti", 7],
    ["exp", "never"],
    ["iat", "now"],
    ["aud", ["skyhook-webhooks", "another-api"]],
  ])("refuses a token whose %s is %j", (claim, value) => {
    expect(tokens.verify(forge({ ...issuedClaims(), [claim]: value })).ok).toBe(false);
  });

  it("refuses a token without a key id, and one whose header says alg none", () => {
    const claims = issuedClaims();
    const noKid = forge(claims, { kid: undefined });
    expect(tokens.verify(noKid).ok).toBe(false);
    const [head, body] = forge(claims, { alg: "none" }).split(".");
    expect(tokens.verify(`${head}.${body}.`).ok).toBe(false);
  });

  it("refuses a token issued in the future, beyond the clock difference allowed between replicas", () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const claims = { ...issuedClaims(), iat: nowSec + 3_600, exp: nowSec + 4_200 };
    expect(tokens.verify(forge(claims))).toEqual({
      ok: false,
      reason: "not yet valid",
      detail: "issued in the future",
    });
    // Up to 60 s ahead is another replica's clock (the test's clock can only fall behind).
    const slightlyAhead = { ...issuedClaims(), iat: nowSec + 60, exp: nowSec + 660 };
    expect(tokens.verify(forge(slightlyAhead)).ok).toBe(true);
  });

  it("refuses a token that lives longer than any it issues", () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const claims = { ...issuedClaims(), iat: nowSec, exp: nowSec + maxTtlSec + 1 };
    expect(tokens.verify(forge(claims))).toEqual({
      ok: false,
      reason: "malformed",
      detail: `lifetime exceeds the longest issued (${maxTtlSec} s)`,
    });
    const backdated = { ...issuedClaims(), iat: nowSec - 10 * maxTtlSec, exp: nowSec + 60 };
    expect(tokens.verify(forge(backdated)).ok, "iat long before exp").toBe(false);
    const longest = { ...issuedClaims(), iat: nowSec, exp: nowSec + maxTtlSec };
    expect(tokens.verify(forge(longest)).ok).toBe(true);
  });

  it("refuses a token whose header names critical extensions, which it understands none of", () => {
    for (const header of [
      { crit: ["b64"], b64: false },
      { crit: ["x-skyhook"], "x-skyhook": 1 },
    ]) {
      expect(tokens.verify(forge(issuedClaims(), header)), JSON.stringify(header)).toEqual({
        ok: false,
        reason: "malformed",
        detail: "header names critical extensions",
      });
    }
  });

  it("says which issued claims a refused token lacks", () => {
    expect(tokens.verify(forge(without("exp")))).toEqual({
      ok: false,
      reason: "malformed",
      detail: "lacks issued claims: exp",
    });
    const claims = issuedClaims();
    delete claims.iat;
    delete claims.jti;
    expect(tokens.verify(forge(claims))).toEqual({
      ok: false,
      reason: "malformed",
      detail: "lacks issued claims: jti, iat",
    });
  });

  it("refuses a token whose key id names no configured key, saying so", () => {
    expect(tokens.verify(forge(issuedClaims(), { kid: "0123456789abcdef" }))).toEqual({
      ok: false,
      reason: "bad signature",
      detail: "signed with an unknown key",
    });
    expect(tokens.verify(forge(issuedClaims(), { kid: undefined }))).toEqual({
      ok: false,
      reason: "bad signature",
      detail: "signed with an unknown key",
    });
    expect(tokens.verify(forge(issuedClaims(), { kid: "../../../../etc/passwd" }))).toEqual({
      ok: false,
      reason: "bad signature",
      detail: "signed with an unknown key",
    });
  });

  it("keeps accepting tokens of a previous signing key, which another replica derives the same id for", () => {
    const rotated = createAccessTokens({
      ...options,
      signingKey: "the-next-signing-key-of-at-least-32-characters",
      previousSigningKeys: [signingKey],
    });
    const old = tokens.issue("client-a", 600);
    expect(rotated.verify(old)).toEqual({ ok: true, clientId: "client-a" });
    // The key id is the first 16 hex digits of the key's SHA-256, on every replica.
    const [head] = rotated.issue("client-b", 600).split(".");
    const header = JSON.parse(Buffer.from(head ?? "", "base64url").toString("utf8")) as {
      kid: string;
    };
    expect(header.kid).toBe(kidOf("the-next-signing-key-of-at-least-32-characters"));
    expect(tokens.verify(rotated.issue("client-b", 600)).ok, "an unknown newer key").toBe(false);
    const forgotten = createAccessTokens({
      ...options,
      signingKey: "yet-another-signing-key-of-32-characters!!",
    });
    expect(forgotten.verify(old)).toEqual({
      ok: false,
      reason: "bad signature",
      detail: "signed with an unknown key",
    });
  });

  it("signs with the key's UTF-8 bytes, as a verifier elsewhere would", () => {
    const unicodeKey = "ключ-подписи-не-менее-32-символов-0123";
    const issuer = createAccessTokens({ ...options, signingKey: unicodeKey });
    const [head, body, mac] = issuer.issue("client-a", 600).split(".");
    const expected = createHmac("sha256", Buffer.from(unicodeKey, "utf8"))
      .update(`${head}.${body}`)
      .digest("base64url");
    expect(mac).toBe(expected);
  });

  it("refuses what is not a JWT at all, without throwing", () => {
    for (const token of ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30."]) {
      expect(tokens.verify(token).ok, token).toBe(false);
    }
    expect(tokens.verify("abc")).toEqual({ ok: false, reason: "malformed", detail: "not a JWT" });
  });

  it("gives every refusal one of the reasons an operator acts on", () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const reasonOf = (token: string, verifier = tokens) => {
      const result = verifier.verify(token);
      return result.ok ? "accepted" : result.reason;
    };
    const signedWith = (key: string) => {
      const [head, body] = forge(issuedClaims()).split(".");
      const mac = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
      return `${head}.${body}.${mac}`;
    };
    const [head, body] = forge(issuedClaims()).split(".");
    const cases: Array<[string, TokenRefusalReason]> = [
      [forge({ ...issuedClaims(), iat: nowSec - 900, exp: nowSec - 1 }), "expired"],
      [forge({ ...issuedClaims(), iat: nowSec + 600, exp: nowSec + 900 }), "not yet valid"],
      [forge({ ...issuedClaims(), nbf: nowSec + 300 }), "not yet valid"],
      [signedWith("another-key-of-at-least-32-characters-0123"), "bad signature"],
      [`${head}.${body}.`, "bad signature"],
      [forge(issuedClaims(), { alg: "HS512" }), "bad signature"],
      [forge(issuedClaims(), { kid: "0123456789abcdef" }), "bad signature"],
      [forge({ ...issuedClaims(), iss: "someone-else" }), "wrong audience/issuer"],
      [forge({ ...issuedClaims(), aud: "another-api" }), "wrong audience/issuer"],
      [forge({ ...issuedClaims(), aud: ["skyhook-webhooks", "x"] }), "wrong audience/issuer"],
      ["abc", "malformed"],
      [`${Buffer.from("{not json").toString("base64url")}.${body}.x`, "malformed"],
      [forge(without("exp")), "malformed"],
      [forge({ ...issuedClaims(), exp: "never" }), "malformed"],
    ];
    for (const [token, reason] of cases) expect(reasonOf(token), token).toBe(reason);

    const onlyClientB = createAccessTokens({
      ...options,
      isConfiguredClient: (clientId) => clientId === "client-b",
    });
    expect(reasonOf(tokens.issue("client-a", 600), onlyClientB)).toBe("unknown client");
    expect(reasonOf(tokens.issue("client-b", 600), onlyClientB)).toBe("accepted");
    expect([...tokenRefusalReasons].sort()).toEqual(
      [...new Set(cases.map(([, reason]) => reason)), "unknown client"].sort(),
    );
  });

  it("never quotes the token in a refusal", () => {
    const quoted = "quoted-token-content-7f3a";
    const notJson = `${Buffer.from(`{"alg":"${quoted}`).toString("base64url")}.e30.sig`;
    const badPayload = forge({ ...issuedClaims(), sub: 42, aud: quoted });
    for (const token of [notJson, badPayload, `${quoted}.${quoted}.${quoted}`]) {
      const result = tokens.verify(token);
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(quoted);
      expect(JSON.stringify(result)).not.toContain("7f3a");
    }
  });
});
