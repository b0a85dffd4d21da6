import type { Catalog } from "@skyhook/contracts";
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
} from "express";
import type { Logger } from "pino";
import type { AccessTokens } from "./auth/access-tokens.ts";
import type { ClientRegistry } from "./auth/client-registry.ts";
import type { Enqueuer } from "./enqueuer.ts";
import { fromBodyParserError, IngressError } from "./errors.ts";
import { requestLog } from "./request-log.ts";
import { stateOf } from "./request-state.ts";
import { deliverRouter } from "./routes/deliver.ts";
import { healthRouter } from "./routes/health.ts";
import { tokenRouter } from "./routes/token.ts";

export type AppDeps = {
  logger: Logger;
  tokens: AccessTokens;
  clients: ClientRegistry;
  enqueuer: Enqueuer;
  catalog: Catalog;
  isReady: () => Promise<boolean>;
  bodyLimitBytes: number;
  defaultTokenTtlSec: number;
  retryAfterSec: number;
  now?: () => Date;
};

/** Builds the ingress; no I/O happens here, so tests mount it on a port of their own. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(requestLog(deps.logger));
  app.use(healthRouter(deps.isReady));
  app.use(
    tokenRouter({
      clients: deps.clients,
      tokens: deps.tokens,
      defaultTtlSec: deps.defaultTokenTtlSec,
    }),
  );
  app.use(
    deliverRouter({
      tokens: deps.tokens,
      clients: deps.clients,
      enqueuer: deps.enqueuer,
      catalog: deps.catalog,
      bodyLimitBytes: deps.bodyLimitBytes,
      now: deps.now ?? (() => new Date()),
    }),
  );
  app.use((req: Request) => {
    throw new IngressError("not_found", `no route for ${req.method} ${req.path}`);
  });

  const errors: ErrorRequestHandler = (err, _req, res: Response, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof IngressError ? err : fromBodyParserError(err);
    const error =
      known ?? new IngressError("internal", "internal error", undefined, { cause: err });
    const state = stateOf(res);
    state.errorCode = error.code;
    if (error.code === "storage_unavailable" || error.code === "internal") {
      deps.logger.error({ err: error.cause ?? err, requestId: state.requestId }, error.message);
    }
    if (error.code === "storage_unavailable")
      res.setHeader("Retry-After", String(deps.retryAfterSec));
    res.status(error.status).json({
      error: {
        code: error.code,
        message: error.message,
        requestId: state.requestId,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    });
  };
  app.use(errors);
  return app;
}
