import type { IncomingHttpHeaders } from "node:http";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { ClientRegistry } from "../auth/client-registry.ts";
import { allMatch } from "../auth/constant-time.ts";
import { noClaimedClient } from "../auth/failure-limits.ts";
import {
  anySignatureMatches,
  checkTimestamp,
  type SignedHeaders,
  signaturesIn,
} from "../auth/verify-signature.ts";
import { IngressError } from "../errors.ts";
import type { Subscription } from "../subscriptions/subscription.ts";

/** Who sent a delivery, once its credentials are verified. */
export type Sender = { subscription: Subscription; mode: "oauth" | "hmac" };

type SignedSubscription = Subscription & { hmac: NonNullable<Subscription["hmac"]> };
const usesSignatures = (s: Subscription): s is SignedSubscription => s.hmac !== undefined;

/** Signature headers that passed every check a body is not needed for. */
type SignatureClaim = {
  headers: SignedHeaders;
  signatures: Buffer[];
  /** The subscriptions it may come from: their timestamp window admits it. */
  candidates: SignedSubscription[];
};

/**
 * What the headers claim, judged before any byte of the body is read: a verified token, or
 * signature headers still to be verified against the body, or both (during a migration);
 * `beforeBody` never returns neither.
 */
export type Claim = { token: Subscription | undefined; signature: SignatureClaim | undefined };

export type Judged<T> = { ok: true; value: T } | { ok: false; error: IngressError };

const bearer = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i;

/** Spotnana's header, else the Standard Webhooks one (no rest array: this runs per request). */
function header(headers: IncomingHttpHeaders, name: string, fallback: string): string | undefined {
  const value = headers[name];
  if (typeof value === "string" && value.length > 0) return value;
  const other = headers[fallback];
  return typeof other === "string" && other.length > 0 ? other : undefined;
}

/** Spotnana's headers, or the generic Standard Webhooks names the same scheme uses. */
function signedHeadersOf(headers: IncomingHttpHeaders): SignedHeaders | undefined {
  const id = header(headers, "x-spotnana-webhook-id", "webhook-id");
  const timestamp = header(headers, "x-spotnana-webhook-timestamp", "webhook-timestamp");
  const signatureHeader = header(headers, "x-spotnana-webhook-signature", "webhook-signature");
  if (id === undefined || timestamp === undefined || signatureHeader === undefined)
    return undefined;
  return { id, timestamp, signatureHeader };
}

const refused = (challenge: string, message: string): { ok: false; error: IngressError } => ({
  ok: false,
  error: new IngressError("unauthorized", message, undefined, { challenge }),
});
const bearerChallenge = 'Bearer realm="skyhook"';
const signatureChallenge = 'Spotnana-Signature realm="skyhook"';
const noCredentials = () =>
  refused(bearerChallenge, "a Bearer access token or a Spotnana signature is required");
const signatureRefused = (reason: string) =>
  refused(signatureChallenge, `signature refused: ${reason}`);

/**
 * A delivery's credentials, judged in two steps around the body: `beforeBody` settles what the
 * headers alone can (the subscription named, a Bearer token, the signature headers' shape and
 * timestamp), so a sender refused there costs no body read; `afterBody` verifies the signature
 * over the body against the subscriptions still in question. Subscriptions and their decoded
 * keys are prepared once.
 */
export function createDeliveryCredentials(deps: {
  subscriptions: readonly Subscription[];
  tokens: AccessTokens;
  clients: ClientRegistry;
  nowSec: () => number;
}) {
  const byName = new Map(deps.subscriptions.map((s) => [s.name, s]));
  const signing = deps.subscriptions.filter(usesSignatures);

  const tokenSubscription = (authorization: string): Judged<Subscription> => {
    const token = bearer.exec(authorization)?.[1];
    const verified = token === undefined ? undefined : deps.tokens.verify(token);
    const reason =
      verified === undefined
        ? "malformed: not a Bearer token"
        : verified.ok
          ? undefined
          : `${verified.reason}: ${verified.detail}`;
    const subscription =
      verified?.ok === true ? deps.clients.byClientId(verified.clientId) : undefined;
    if (subscription !== undefined) return { ok: true, value: subscription };
    return refused(
      `${bearerChallenge}, error="invalid_token"`,
      `the access token is invalid or expired (${reason ?? "unknown client: its client is no longer configured"})`,
    );
  };

  return {
    /** For failure counting: the subscription the path names, before anything is verified. */
    claimedSubscription(name: string | undefined): string {
      return name === undefined ? noClaimedClient : name.slice(0, 64);
    },

    beforeBody(name: string | undefined, headers: IncomingHttpHeaders): Judged<Claim> {
      const named = name === undefined ? undefined : byName.get(name);
      if (name !== undefined && named === undefined)
        return refused(bearerChallenge, "unknown subscription");
      let token: Subscription | undefined;
      if (headers.authorization !== undefined) {
        const judged = tokenSubscription(headers.authorization);
        if (!judged.ok) return judged;
        if (named !== undefined && named !== judged.value)
          return refused(
            `${bearerChallenge}, error="invalid_token"`,
            "the access token is invalid or expired (unknown client: issued to another subscription)",
          );
        token = judged.value;
      }
      const signed = signedHeadersOf(headers);
      // A token-authenticated subscription without signing secrets may still receive
      // Spotnana's headers; there is nothing to verify them with, and the token suffices.
      const scope = token ?? named;
      const pool = scope === undefined ? signing : usesSignatures(scope) ? [scope] : [];
      if (signed === undefined || pool.length === 0)
        return token === undefined
          ? noCredentials()
          : { ok: true, value: { token, signature: undefined } };

      let reason = "";
      const candidates = pool.filter((s) => {
        const timely = checkTimestamp(signed.timestamp, s.hmac.tolerance, deps.nowSec());
        if (!timely.ok) reason = timely.reason;
        return timely.ok;
      });
      if (candidates.length === 0) return signatureRefused(reason);
      const signatures = signaturesIn(signed.signatureHeader);
      if (signatures.length === 0) return signatureRefused("no v1 signature in the header");
      return { ok: true, value: { token, signature: { headers: signed, signatures, candidates } } };
    },

    /**
     * Once the raw body is read: a signature is verified whenever one was claimed, even beside
     * a valid token (a bad signature is never ignored). Then the subscription's required
     * headers must all match.
     */
    afterBody(claim: Claim, headers: IncomingHttpHeaders, body: Buffer): Judged<Sender> {
      let sender: Sender | undefined =
        claim.token === undefined ? undefined : { subscription: claim.token, mode: "oauth" };
      const signature = claim.signature;
      if (signature !== undefined) {
        const match = signature.candidates.find((s) =>
          anySignatureMatches(signature.headers, signature.signatures, body, s.hmac.keys),
        );
        if (match === undefined) return signatureRefused("no signature matches");
        sender = { subscription: match, mode: "hmac" };
      }
      if (sender === undefined) return noCredentials();
      if (!allMatch(sender.subscription.requiredHeaders, (name) => headers[name]))
        return refused(bearerChallenge, "a required header is missing or wrong");
      return { ok: true, value: sender };
    },
  };
}

export type DeliveryCredentials = ReturnType<typeof createDeliveryCredentials>;
