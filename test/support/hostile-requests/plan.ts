import type { FuzzTarget } from "../fuzz-target.ts";

/*
 * What a hostile request is before it is sent: a *plan*. Everything that can be fixed in
 * advance (bodies, mutations, header garbage) is fixed by the seed, and what must be fresh
 * when the request leaves (HMAC timestamps, the issued token, forged token expiries) is filled
 * in by `toWire` at send time, so a replayed seed still sends current signatures.
 */

export type SubscriptionKey = "hmac" | "oauth" | "strict";
export type OAuthKey = "oauth" | "strict";

export type TokenMutation =
  | { kind: "none" }
  | { kind: "truncate"; keep: number }
  | { kind: "flip"; at: number; char: string }
  | { kind: "append"; text: string }
  | { kind: "prepend"; text: string }
  | { kind: "dropSignature" }
  | { kind: "swapPayload"; claims: Record<string, unknown> }
  | { kind: "swapHeader"; header: Record<string, unknown> }
  | { kind: "garble"; segment: 0 | 1 | 2; text: string }
  | { kind: "swapCase" }
  | { kind: "repeat" };

export const tokenDefects = [
  "expired",
  "notYetValid",
  "wrongIssuer",
  "wrongAudience",
  "unknownSubject",
  "noSubject",
  "numericSubject",
  "algNone",
  "algHS512",
  "wrongKey",
  "otherKid",
  "noKid",
] as const;
export type TokenDefect = (typeof tokenDefects)[number];

export type AuthorizationPlan =
  | { kind: "token"; sub: OAuthKey; scheme: string; gap: string; mutation: TokenMutation }
  | { kind: "forged"; sub: OAuthKey | "nobody"; defect: TokenDefect }
  | { kind: "literal"; value: string }
  | { kind: "basic"; user: string; pass: string };

export type SignatureKey = "hmac" | "hmacPrevious" | "strict" | "stranger";
export type HeaderFamily = "spotnana" | "standard";
export type SignatureField = "id" | "timestamp" | "signature";

export type SignatureMutation =
  | { kind: "none" }
  | { kind: "flip"; at: number; char: string }
  | { kind: "truncate"; keep: number }
  | { kind: "replace"; value: string }
  | { kind: "version"; prefix: string }
  | { kind: "stripPadding" }
  | { kind: "urlSafe" }
  | { kind: "otherId"; id: string }
  | { kind: "otherTimestamp"; deltaSec: number }
  | { kind: "otherBody" }
  | { kind: "drop"; field: SignatureField }
  | { kind: "empty"; field: SignatureField };

export type Clock =
  | { kind: "now" }
  | { kind: "offset"; sec: number }
  | { kind: "literal"; value: string; signed: boolean };

export type SignaturePlan = {
  key: SignatureKey;
  families: Record<SignatureField, HeaderFamily>;
  nameCase: "lower" | "title" | "upper";
  form: "bare" | "v1";
  id: string;
  clock: Clock;
  mutation: SignatureMutation;
  before: string[];
  after: string[];
  /** The same field under the other family's name, with garbage: which one wins? */
  shadow: { field: SignatureField; value: string } | undefined;
};

export type PathPlan =
  | { kind: "shared" }
  | { kind: "own" }
  | { kind: "other" }
  | { kind: "literal"; path: string };

export type EncodingPlan = {
  header: string | undefined;
  transform: "none" | "gzip" | "deflate" | "deflateRaw" | "br" | "truncated" | "corrupt";
  at: number;
};

export type Plan = {
  family: string;
  method: string;
  path: PathPlan;
  /** The body before any Content-Encoding: what a signature covers. */
  plain: Buffer;
  /** The bytes on the wire. */
  body: Buffer;
  encoding: EncodingPlan;
  contentType: string | undefined;
  authorization: AuthorizationPlan | undefined;
  signature: SignaturePlan | undefined;
  apiVersion: string | undefined;
  extraHeaders: Array<[string, string]>;
  /**
   * Built to be accepted: exactly one untouched credential, the right path, the required
   * header, a correctly encoded body. With a valid envelope within the limit, only 200 is right.
   */
  pristine: boolean;
};

export type SendContext = {
  target: FuzzTarget;
  issuedTokens: Readonly<Record<string, string>>;
  nowSec: number;
};

const subscriptionSignedFor = (key: SignatureKey): SubscriptionKey | undefined =>
  key === "hmac" || key === "hmacPrevious" ? "hmac" : key === "strict" ? "strict" : undefined;

/** The subscription the credential speaks for, if any: "own" paths point at it. */
export function ownSubscription(
  plan: Pick<Plan, "authorization" | "signature">,
): SubscriptionKey | undefined {
  const a = plan.authorization;
  if (a !== undefined && (a.kind === "token" || a.kind === "forged") && a.sub !== "nobody")
    return a.sub;
  return plan.signature === undefined ? undefined : subscriptionSignedFor(plan.signature.key);
}

export function describePlan(plan: Plan): string {
  const a = plan.authorization;
  const auth =
    a === undefined
      ? "no Authorization"
      : a.kind === "token"
        ? `token(${a.sub}, ${a.mutation.kind})`
        : a.kind === "forged"
          ? `forged(${a.sub}, ${a.defect})`
          : a.kind;
  const s = plan.signature;
  const sig =
    s === undefined ? "unsigned" : `signed(${s.key}, ${s.clock.kind}, ${s.mutation.kind})`;
  const path = plan.path.kind === "literal" ? plan.path.path : plan.path.kind;
  return `${plan.family}: ${plan.method} ${path}, ${plan.body.length} bytes, ${auth}, ${sig}, encoding ${plan.encoding.header ?? "-"}/${plan.encoding.transform}${plan.pristine ? ", pristine" : ""}`;
}
