import type { IncomingHttpHeaders } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";
import type { Subscription } from "../subscriptions/subscription.ts";
import type { AccessTokens } from "./access-tokens.ts";
import type { ClientRegistry } from "./client-registry.ts";
import { allMatch } from "./constant-time.ts";
import { noClaimedClient } from "./failure-limits.ts";
import { signingKeyOf } from "./signing-secret.ts";
import { type SignedDelivery, verifySignature } from "./verify-signature.ts";

const bearer = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i;

/** Spotnana's header, else the Standard Webhooks one (no rest array: this runs per request). */
function header(headers: IncomingHttpHeaders, name: string, fallback: string): string | undefined {
  const value = headers[name];
  if (typeof value === "string" && value.length > 0) return value;
  const other = headers[fallback];
  return typeof other === "string" && other.length > 0 ? other : undefined;
}

/** Spotnana's headers, or the generic Standard Webhooks names the same scheme uses. */
function signedParts(headers: IncomingHttpHeaders): Omit<SignedDelivery, "body"> | undefined {
  const id = header(headers, "x-spotnana-webhook-id", "webhook-id");
  const timestamp = header(headers, "x-spotnana-webhook-timestamp", "webhook-timestamp");
  const signatureHeader = header(headers, "x-spotnana-webhook-signature", "webhook-signature");
  if (id === undefined || timestamp === undefined || signatureHeader === undefined)
    return undefined;
  return { id, timestamp, signatureHeader };
}

type Verified = { subscription: Subscription; mode: "oauth" | "hmac" };

type SignedSubscription = Subscription & { hmac: NonNullable<Subscription["hmac"]> };
const usesSignatures = (s: Subscription): s is SignedSubscription => s.hmac !== undefined;

const refuse = (res: Response, challenge: string, message: string) => {
  res.setHeader("WWW-Authenticate", challenge);
  return new IngressError("unauthorized", message);
};

const noCredentials = (res: Response) =>
  refuse(
    res,
    'Bearer realm="skyhook"',
    "a Bearer access token or a Spotnana signature is required",
  );

/** Subscriptions by name and their decoded HMAC keys, prepared once at start. */
export function createDeliveryAuthenticator(deps: {
  subscriptions: readonly Subscription[];
  tokens: AccessTokens;
  clients: ClientRegistry;
  nowSec: () => number;
}) {
  const byName = new Map(deps.subscriptions.map((s) => [s.name, s]));
  const signed = deps.subscriptions.filter(usesSignatures);
  const keys = new Map(
    signed.map((s) => [
      s.name,
      s.hmac.signingSecrets.flatMap((secret) => signingKeyOf(secret) ?? []),
    ]),
  );
  const verified = new WeakMap<Request, Verified>();

  const pathSubscription = (req: Request): Subscription | "unknown" | undefined => {
    const name = req.params.subscription;
    if (typeof name !== "string") return undefined;
    return byName.get(name) ?? "unknown";
  };

  const checkSignature = (
    subscription: SignedSubscription,
    parts: Omit<SignedDelivery, "body">,
    body: Buffer,
  ) =>
    verifySignature(
      { id: parts.id, timestamp: parts.timestamp, signatureHeader: parts.signatureHeader, body },
      keys.get(subscription.name) ?? [],
      subscription.hmac.tolerance,
      deps.nowSec(),
    );

  return {
    /** For failure counting: the subscription the request names, before anything is verified. */
    claimedSubscription(req: Request): string {
      const named = req.params.subscription;
      return typeof named === "string" ? named.slice(0, 64) : noClaimedClient;
    },

    /**
     * Runs before the body is read: a Bearer token is checked here, so an unauthenticated
     * OAuth sender costs no body read. Requests that carry no token must be signed; they go on
     * to `afterBody`, unless no subscription uses signatures at all.
     */
    beforeBody(req: Request, res: Response, next: NextFunction): void {
      const named = pathSubscription(req);
      if (named === "unknown") {
        next(refuse(res, 'Bearer realm="skyhook"', "unknown subscription"));
        return;
      }
      const authorization = req.headers.authorization;
      if (authorization === undefined) {
        const candidates = named === undefined ? signed : usesSignatures(named) ? [named] : [];
        if (candidates.length === 0 || signedParts(req.headers) === undefined) {
          next(noCredentials(res));
          return;
        }
        next();
        return;
      }
      const token = bearer.exec(authorization)?.[1];
      const result = token === undefined ? undefined : deps.tokens.verify(token);
      const subscription =
        result?.ok === true ? deps.clients.byClientId(result.clientId) : undefined;
      if (subscription === undefined || (named !== undefined && named !== subscription)) {
        next(
          refuse(
            res,
            'Bearer realm="skyhook", error="invalid_token"',
            "the access token is invalid or expired",
          ),
        );
        return;
      }
      verified.set(req, { subscription, mode: "oauth" });
      next();
    },

    /**
     * Runs once the raw body is read. A signature is verified whenever one is sent to a
     * subscription that uses signatures, even after a valid token: a bad signature is never
     * ignored. Then the subscription's required headers must all match.
     */
    afterBody(req: Request, res: Response, next: NextFunction): void {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const parts = signedParts(req.headers);
      const byToken = verified.get(req);
      let outcome = byToken;
      if (parts !== undefined) {
        const named = pathSubscription(req);
        const scope = byToken?.subscription ?? (named === "unknown" ? undefined : named);
        const pool = scope === undefined ? signed : usesSignatures(scope) ? [scope] : [];
        // A token-authenticated subscription without signing secrets may still receive
        // Spotnana's headers; there is nothing to verify them with, and the token suffices.
        if (pool.length > 0 || byToken === undefined) {
          let reason = "this subscription does not use signatures";
          const match = pool.find((s) => {
            const check = checkSignature(s, parts, body);
            if (!check.ok) reason = check.reason;
            return check.ok;
          });
          if (match === undefined) {
            next(refuse(res, 'Spotnana-Signature realm="skyhook"', `signature refused: ${reason}`));
            return;
          }
          outcome = { subscription: match, mode: "hmac" };
        }
      }
      if (outcome === undefined) {
        next(noCredentials(res));
        return;
      }
      if (!allMatch(outcome.subscription.requiredHeaders, (name) => req.headers[name])) {
        next(refuse(res, 'Bearer realm="skyhook"', "a required header is missing or wrong"));
        return;
      }
      const state = stateOf(res);
      state.subscription = outcome.subscription.name;
      state.authMode = outcome.mode;
      res.locals.subscription = outcome.subscription;
      next();
    },
  };
}

export function subscriptionOf(res: Response): Subscription {
  return res.locals.subscription as Subscription;
}
