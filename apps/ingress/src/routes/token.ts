import basicAuth from "basic-auth";
import express, { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { z } from "zod";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { ClientRegistry } from "../auth/client-registry.ts";
import { allMatch } from "../auth/constant-time.ts";
import { type FailureLimits, failureLimits } from "../auth/failure-limits.ts";
import { refuseDeclaredOversize } from "../declared-length.ts";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";

const TokenRequest = z.looseObject({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

type OAuthError = "invalid_request" | "invalid_client" | "unsupported_grant_type";

/** RFC 6749 §5.2 error body; token responses must never be cached (§5.1). */
function oauthError(
  res: Response,
  status: 400 | 401,
  error: OAuthError,
  description: string,
  basic = false,
) {
  stateOf(res).errorCode = error;
  if (basic) res.setHeader("WWW-Authenticate", 'Basic realm="skyhook", charset="UTF-8"');
  res.setHeader("Cache-Control", "no-store").setHeader("Pragma", "no-cache");
  res.status(status).json({ error, error_description: description });
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before Base64. */
function basicCredentials(req: Request): { id: string; secret: string } | "malformed" | undefined {
  if (!req.headers.authorization?.toLowerCase().startsWith("basic ")) return undefined;
  const parsed = basicAuth(req);
  if (parsed === undefined) return "malformed";
  try {
    return { id: decodeURIComponent(parsed.name), secret: decodeURIComponent(parsed.pass) };
  } catch {
    return "malformed";
  }
}

export type TokenRouteDeps = {
  clients: ClientRegistry;
  tokens: AccessTokens;
  defaultTtlSec: number;
  failureLimits: FailureLimits;
};

/** The client a token request claims to be, for counting its failures; nothing is trusted yet. */
function claimedClient(req: Request): string {
  const basic = basicCredentials(req);
  if (basic !== undefined && basic !== "malformed") return basic.id.slice(0, 128);
  const id: unknown = (req.body as { client_id?: unknown } | undefined)?.client_id;
  return typeof id === "string" ? id.slice(0, 128) : "-";
}

/** A client-credentials request is a few hundred bytes. */
const tokenBodyLimitBytes = 16 * 1024;

/**
 * The OAuth 2.0 client-credentials endpoint Spotnana's legacy mode calls: form-urlencoded as
 * Spotnana sends it, plus HTTP Basic client authentication and JSON for other clients.
 */
export function tokenRouter(deps: TokenRouteDeps): Router {
  const router = Router();
  router.post(
    "/oauth/token",
    (_req: Request, res: Response, next: express.NextFunction) => {
      stateOf(res).endpoint = "token";
      next();
    },
    refuseDeclaredOversize(tokenBodyLimitBytes),
    express.urlencoded({ extended: false, limit: tokenBodyLimitBytes, parameterLimit: 20 }),
    express.json({ limit: tokenBodyLimitBytes }),
    failureLimits(deps.failureLimits, claimedClient),
    (req: Request, res: Response) => {
      const body = TokenRequest.safeParse(req.body ?? {});
      if (!body.success) {
        oauthError(res, 400, "invalid_request", "token request fields must be strings");
        return;
      }
      const { grant_type: grantType, client_id: bodyId, client_secret: bodySecret } = body.data;
      if (grantType === undefined) {
        oauthError(res, 400, "invalid_request", "grant_type is required");
        return;
      }
      if (grantType !== "client_credentials") {
        oauthError(res, 400, "unsupported_grant_type", "only client_credentials is supported");
        return;
      }

      const basic = basicCredentials(req);
      if (basic === "malformed") {
        oauthError(res, 401, "invalid_client", "malformed Basic credentials", true);
        return;
      }
      if (
        basic !== undefined &&
        (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.id))
      ) {
        oauthError(res, 400, "invalid_request", "use one client authentication method, not two");
        return;
      }
      const id = basic?.id ?? bodyId;
      const secret = basic?.secret ?? bodySecret;
      if (id === undefined || secret === undefined) {
        oauthError(res, 401, "invalid_client", "client_id and client_secret are required", true);
        return;
      }
      const subscription = deps.clients.authenticate(id, secret);
      stateOf(res).subscription = subscription?.name;
      // Onboarding's "other form fields": compared in constant time, refused like a bad secret.
      const fieldsMatch = allMatch(
        subscription?.requiredTokenFields ?? {},
        (name) => (body.data as Record<string, unknown>)[name],
      );
      const headersMatch = allMatch(
        subscription?.requiredTokenHeaders ?? {},
        (name) => req.headers[name],
      );
      if (subscription?.oauth === undefined || !fieldsMatch || !headersMatch) {
        oauthError(res, 401, "invalid_client", "client authentication failed", basic !== undefined);
        return;
      }

      const ttlSec = subscription.oauth.tokenTtlSec ?? deps.defaultTtlSec;
      res.setHeader("Cache-Control", "no-store").setHeader("Pragma", "no-cache");
      res.status(200).json({
        access_token: deps.tokens.issue(subscription.oauth.clientId, ttlSec),
        token_type: "Bearer",
        expires_in: ttlSec,
      });
    },
  );
  const tokenErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent || err instanceof IngressError) {
      next(err);
      return;
    }
    const tooLarge =
      typeof err === "object" && err !== null && "type" in err && err.type === "entity.too.large";
    oauthError(
      res,
      400,
      "invalid_request",
      tooLarge ? "token request too large" : "token request body is malformed",
    );
  };
  router.use("/oauth/token", tokenErrors);
  return router;
}
