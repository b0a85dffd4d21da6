import basicAuth from "basic-auth";
import express, { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { z } from "zod";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { ClientRegistry } from "../auth/client-registry.ts";
import { allMatch } from "../auth/constant-time.ts";
import { type FailureLimiter, noClaimedClient } from "../auth/failure-limits.ts";
import { refuseDeclaredOversize } from "../declared-length.ts";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";
import { refuseStreamedOversize } from "../streamed-length.ts";

const TokenRequest = z.looseObject({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

type OAuthError = "invalid_request" | "invalid_client" | "unsupported_grant_type";

/** Token responses, tokens and refusals alike, must never be cached (RFC 6749 §5.1). */
const noStore = (res: Response) =>
  res.setHeader("Cache-Control", "no-store").setHeader("Pragma", "no-cache");

/** RFC 6749 §5.2 error body. */
function oauthError(
  res: Response,
  status: 400 | 401,
  error: OAuthError,
  description: string,
  basic = false,
) {
  stateOf(res).errorCode = error;
  if (basic) res.setHeader("WWW-Authenticate", 'Basic realm="skyhook", charset="UTF-8"');
  noStore(res);
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
  failureLimiter: FailureLimiter;
};

/** The client a token request claims to be, for counting its failures; nothing is trusted yet. */
function claimedClient(req: Request): string {
  const basic = basicCredentials(req);
  if (basic !== undefined && basic !== "malformed") return basic.id.slice(0, 128);
  const id: unknown = (req.body as { client_id?: unknown } | undefined)?.client_id;
  return typeof id === "string" ? id.slice(0, 128) : noClaimedClient;
}

type TokenAnswer =
  | { status: 200; subscription: string; clientId: string; ttlSec: number }
  | {
      status: 400 | 401;
      error: OAuthError;
      description: string;
      basic: boolean;
      /** Named when the secret matched but a required field or header did not. */
      subscription?: string | undefined;
    };

/** Decides a token request from its own fields and credentials alone; touches no shared state. */
function judgeTokenRequest(req: Request, deps: TokenRouteDeps): TokenAnswer {
  const refuse = (status: 400 | 401, error: OAuthError, description: string, basic = false) => ({
    status,
    error,
    description,
    basic,
  });
  const body = TokenRequest.safeParse(req.body ?? {});
  if (!body.success) {
    return refuse(400, "invalid_request", "token request fields must be strings");
  }
  const { grant_type: grantType, client_id: bodyId, client_secret: bodySecret } = body.data;
  if (grantType === undefined) {
    return refuse(400, "invalid_request", "grant_type is required");
  }
  if (grantType !== "client_credentials") {
    return refuse(400, "unsupported_grant_type", "only client_credentials is supported");
  }

  const basic = basicCredentials(req);
  if (basic === "malformed") {
    return refuse(401, "invalid_client", "malformed Basic credentials", true);
  }
  if (
    basic !== undefined &&
    (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.id))
  ) {
    return refuse(400, "invalid_request", "use one client authentication method, not two");
  }
  const id = basic?.id ?? bodyId;
  const secret = basic?.secret ?? bodySecret;
  if (id === undefined || secret === undefined) {
    return refuse(401, "invalid_client", "client_id and client_secret are required", true);
  }
  const subscription = deps.clients.authenticate(id, secret);
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
    return {
      ...refuse(401, "invalid_client", "client authentication failed", basic !== undefined),
      subscription: subscription?.name,
    };
  }
  return {
    status: 200,
    subscription: subscription.name,
    clientId: subscription.oauth.clientId,
    ttlSec: subscription.oauth.tokenTtlSec ?? deps.defaultTtlSec,
  };
}

/**
 * Refused unjudged while the claimed client is over its failure limit from this address;
 * otherwise judged on its own credentials, and a failure counted after.
 */
async function answerTokenRequest(
  req: Request,
  res: Response,
  next: express.NextFunction,
  claimed: string,
  deps: TokenRouteDeps,
): Promise<void> {
  const unjudged = await deps.failureLimiter.refusedUnjudged(req, res, claimed);
  if (unjudged !== undefined) {
    noStore(res);
    next(unjudged);
    return;
  }
  const answer = judgeTokenRequest(req, deps);
  stateOf(res).subscription = answer.subscription;
  if (answer.status === 401) {
    const limited = await deps.failureLimiter.failed(req, res, claimed, {
      configuredClient: deps.clients.byClientId(claimed) !== undefined,
    });
    if (limited !== undefined) {
      noStore(res);
      next(limited);
      return;
    }
  }
  if (answer.status !== 200) {
    oauthError(res, answer.status, answer.error, answer.description, answer.basic);
    return;
  }
  const { clientId, ttlSec } = answer;
  noStore(res);
  res.status(200).json({
    access_token: deps.tokens.issue(clientId, ttlSec),
    token_type: "Bearer",
    expires_in: ttlSec,
  });
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
    refuseStreamedOversize(
      tokenBodyLimitBytes,
      express.urlencoded({ extended: false, limit: tokenBodyLimitBytes, parameterLimit: 20 }),
      express.json({ limit: tokenBodyLimitBytes }),
    ),
    (req: Request, res: Response, next: express.NextFunction) => {
      const claimed = claimedClient(req);
      return deps.failureLimiter.inTurn(req, claimed, () =>
        answerTokenRequest(req, res, next, claimed, deps),
      );
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
