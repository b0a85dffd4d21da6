import { createHash, createHmac } from "node:crypto";
import type { FuzzSubscription, FuzzTarget } from "../fuzz-target.ts";
import type {
  AuthorizationPlan,
  SendContext,
  SubscriptionKey,
  TokenDefect,
  TokenMutation,
} from "./plan.ts";

/*
 * The Authorization header of a plan, made at send time: the issued token (mutated), one
 * forged now, or the plan's literal value.
 */

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** The ingress's documented token format (HS256 JWT with kid = 16 hex of SHA-256 of the key). */
function forgeToken(
  target: FuzzTarget,
  subject: string,
  defect: TokenDefect,
  nowSec: number,
): string {
  const { signingKey, issuer, audience } = target.token;
  const header: Record<string, unknown> = {
    alg: "HS256",
    typ: "JWT",
    kid: createHash("sha256").update(signingKey, "utf8").digest("hex").slice(0, 16),
  };
  const claims: Record<string, unknown> = {
    iss: issuer,
    aud: audience,
    sub: subject,
    iat: nowSec,
    exp: nowSec + 600,
    jti: "fuzz",
  };
  let key: string | undefined = signingKey;
  let hash = "sha256";
  switch (defect) {
    case "expired":
      Object.assign(claims, { iat: nowSec - 900, exp: nowSec - 120 });
      break;
    case "notYetValid":
      claims.nbf = nowSec + 3_600;
      break;
    case "wrongIssuer":
      claims.iss = `${issuer}-other`;
      break;
    case "wrongAudience":
      claims.aud = `${audience}-other`;
      break;
    case "unknownSubject":
      claims.sub = "nobody";
      break;
    case "noSubject":
      delete claims.sub;
      break;
    case "numericSubject":
      claims.sub = 42;
      break;
    case "algNone":
      header.alg = "none";
      key = undefined;
      break;
    case "algHS512":
      header.alg = "HS512";
      hash = "sha512";
      break;
    case "wrongKey":
      key = `${signingKey}-but-not-quite`;
      break;
    case "otherKid":
      header.kid = "0000000000000000";
      break;
    case "noKid":
      delete header.kid;
      break;
  }
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    key === undefined ? "" : createHmac(hash, key).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

function mutateToken(token: string, m: TokenMutation): string {
  const [header = "", payload = "", signature = ""] = token.split(".");
  switch (m.kind) {
    case "none":
      return token;
    case "truncate":
      return token.slice(0, m.keep % token.length);
    case "flip": {
      const i = m.at % token.length;
      const replaced = token[i] === m.char ? (m.char === "A" ? "B" : "A") : m.char;
      return `${token.slice(0, i)}${replaced}${token.slice(i + 1)}`;
    }
    case "append":
      return `${token}${m.text}`;
    case "prepend":
      return `${m.text}${token}`;
    case "dropSignature":
      return `${header}.${payload}.`;
    case "swapPayload":
      return `${header}.${b64url(JSON.stringify(m.claims))}.${signature}`;
    case "swapHeader":
      return `${b64url(JSON.stringify(m.header))}.${payload}.${signature}`;
    case "garble": {
      const parts = [header, payload, signature];
      parts[m.segment] = b64url(m.text);
      return parts.join(".");
    }
    case "swapCase":
      return [...token]
        .map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
        .join("");
    case "repeat":
      return `${token} ${token}`;
  }
}

const subscriptionOf = (target: FuzzTarget, key: SubscriptionKey): FuzzSubscription => target[key];

export function authorizationHeader(a: AuthorizationPlan, ctx: SendContext): string {
  switch (a.kind) {
    case "token": {
      const token = ctx.issuedTokens[subscriptionOf(ctx.target, a.sub).name] ?? "";
      return `${a.scheme}${a.gap}${mutateToken(token, a.mutation)}`;
    }
    case "forged": {
      const subject =
        a.sub === "nobody"
          ? "nobody"
          : (subscriptionOf(ctx.target, a.sub).oauth?.clientId ?? "nobody");
      return `Bearer ${forgeToken(ctx.target, subject, a.defect, ctx.nowSec)}`;
    }
    case "literal":
      return a.value;
    case "basic":
      return `Basic ${Buffer.from(`${a.user}:${a.pass}`, "utf8").toString("base64")}`;
  }
}
