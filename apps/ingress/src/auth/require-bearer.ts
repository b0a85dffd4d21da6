import type { NextFunction, Request, Response } from "express";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";
import type { AccessTokens } from "./access-tokens.ts";
import type { ClientRegistry } from "./client-registry.ts";

const bearer = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Checks the token before the body is read, so an unauthenticated sender costs us no body
 * parsing. A token stays valid only while its client is still configured.
 */
export function requireBearer(tokens: AccessTokens, clients: ClientRegistry) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = bearer.exec(req.headers.authorization ?? "");
    if (match?.[1] === undefined) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="skyhook"');
      next(new IngressError("unauthorized", "a Bearer access token is required"));
      return;
    }
    const verified = tokens.verify(match[1]);
    const subscription = verified.ok ? clients.byClientId(verified.clientId) : undefined;
    if (subscription === undefined) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="skyhook", error="invalid_token"');
      next(new IngressError("unauthorized", "the access token is invalid or expired"));
      return;
    }
    stateOf(res).subscription = subscription.name;
    next();
  };
}
