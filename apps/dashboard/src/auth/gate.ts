import type { NextFunction, Request, Response } from "express";
import { type AuthOutcome, type Identity, type Refusal, Role } from "./identity.ts";
import { dashboardRealm } from "./password-login.ts";

export class MissingIdentityError extends Error {
  override name = "MissingIdentityError";
}

export type Gate = {
  /** Lets a request in with its identity, or answers the refusal. */
  middleware: (req: Request, res: Response, next: NextFunction) => Promise<void>;
  /** The identity the gate decided for a request it let in. */
  identityOf: (req: Request) => Identity;
};

export function sendRefusal(res: Response, refusal: Refusal): void {
  if (refusal.challenge) res.setHeader("WWW-Authenticate", `Basic realm="${dashboardRealm}"`);
  if (refusal.retryAfterSec !== undefined)
    res.setHeader("Retry-After", String(refusal.retryAfterSec));
  res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
}

/**
 * The one place a request's identity is decided. Express hands a request on with nothing but
 * `req` and `res`, so the decision is kept beside the request (a WeakMap, gone with it) and
 * every role check and audit record downstream reads that same decision through `identityOf`,
 * never a header or a name the request declares. DASHBOARD_READ_ONLY makes everyone a viewer.
 */
export function createGate(options: {
  authenticate: (req: Request) => Promise<AuthOutcome>;
  readOnly: boolean;
}): Gate {
  const identities = new WeakMap<Request, Identity>();
  return {
    async middleware(req, res, next) {
      const outcome = await options.authenticate(req);
      if (!outcome.ok) {
        sendRefusal(res, outcome.refusal);
        return;
      }
      const { identity } = outcome;
      identities.set(req, options.readOnly ? { ...identity, role: Role.enum.viewer } : identity);
      next();
    },
    identityOf(req) {
      const identity = identities.get(req);
      if (identity === undefined)
        throw new MissingIdentityError("a route behind the gate ran without an identity");
      return identity;
    },
  };
}
