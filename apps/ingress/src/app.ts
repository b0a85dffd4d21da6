import {
  disabledTracing,
  type Enqueuer,
  type OutcomeSink,
  type RejectedWriter,
  type Router,
  type Tracing,
} from "@skyhook/queue-kit";
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type Response,
} from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import type { AccessTokens } from "./auth/access-tokens.ts";
import type { ClientRegistry } from "./auth/client-registry.ts";
import type { FailureLimiter } from "./auth/failure-limits.ts";
import { type BackPressure, overloadGuard } from "./back-pressure/back-pressure.ts";
import type { BodySettings } from "./config.ts";
import { createBodyBudget } from "./delivery/body-budget.ts";
import { createDeliveryCredentials } from "./delivery/credentials.ts";
import { errorBodyOf, fromClientError, IngressError, isAlarming } from "./errors.ts";
import { requestLog } from "./request-log.ts";
import { stateOf } from "./request-state.ts";
import { deliverRouter } from "./routes/deliver.ts";
import { healthRouter } from "./routes/health.ts";
import { tokenRouter } from "./routes/token.ts";
import type { Subscription } from "./subscriptions/subscription.ts";

export type AppDeps = {
  logger: Logger;
  tokens: AccessTokens;
  clients: ClientRegistry;
  subscriptions: readonly Subscription[];
  enqueuer: Enqueuer;
  rejected: RejectedWriter;
  outcomes: OutcomeSink;
  /** Routes by the catalog and by what running workers announced. */
  router: Pick<Router, "route">;
  /** Counts failed authentications (shared by both routes and, through Redis, all replicas). */
  failureLimiter: FailureLimiter;
  /** Express `trust proxy`, for the client address behind a load balancer. */
  trustProxy?: string | undefined;
  isReady: () => Promise<boolean>;
  body: BodySettings;
  defaultTokenTtlSec: number;
  retryAfterSec: number;
  /** Refuses deliveries (503 overloaded) before Redis fills; none refused when omitted. */
  backPressure?: BackPressure | undefined;
  /** Spans for deliveries; the no-op tracer when omitted. */
  tracing?: Tracing | undefined;
  now?: () => Date;
};

/** `true`/`false`, a hop count, or addresses/subnets, as Express reads them. */
function trustProxyValue(value: string): boolean | number | string {
  if (value === "true" || value === "false") return value === "true";
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Builds the ingress; no I/O happens here, so tests mount it on a port of their own. */
export function createApp(deps: AppDeps): Express {
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable("x-powered-by");
  // Express hashes every response body for an ETag, POST answers included; nothing here is
  // ever revalidated (a delivery's answer, a token, an error), so that is CPU for nothing.
  app.set("etag", false);
  if (deps.trustProxy !== undefined) app.set("trust proxy", trustProxyValue(deps.trustProxy));
  app.use(helmet());
  app.use(requestLog(deps.logger, deps.outcomes));
  app.use(healthRouter(deps.isReady));
  app.use(
    tokenRouter({
      clients: deps.clients,
      tokens: deps.tokens,
      defaultTtlSec: deps.defaultTokenTtlSec,
      failureLimiter: deps.failureLimiter,
    }),
  );
  app.use(
    deliverRouter({
      credentials: createDeliveryCredentials({
        subscriptions: deps.subscriptions,
        tokens: deps.tokens,
        clients: deps.clients,
        nowSec: () => Math.floor(now().getTime() / 1000),
      }),
      failureLimiter: deps.failureLimiter,
      enqueuer: deps.enqueuer,
      rejected: deps.rejected,
      router: deps.router,
      bodyLimits: {
        limitBytes: deps.body.limitBytes,
        maxCompressionRatio: deps.body.maxCompressionRatio,
      },
      bodyBudget: createBodyBudget({
        totalBytes: deps.body.budgetBytes,
        perAddressBytes: deps.body.budgetPerAddressBytes,
      }),
      retryAfterSec: deps.retryAfterSec,
      shedIfOverloaded: overloadGuard(deps.backPressure),
      tracing: deps.tracing ?? disabledTracing(),
      now,
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
    const known = err instanceof IngressError ? err : fromClientError(err);
    const error =
      known ?? new IngressError("internal", "internal error", undefined, { cause: err });
    const state = stateOf(res);
    state.errorCode = error.code;
    state.errorMessage = error.message;
    if (isAlarming(error.code))
      deps.logger.error({ err: error.cause ?? err, requestId: state.requestId }, error.message);
    if (error.challenge !== undefined) res.setHeader("WWW-Authenticate", error.challenge);
    if (error.retryAfterSec !== undefined)
      res.setHeader("Retry-After", String(error.retryAfterSec));
    if (error.closeConnection) res.setHeader("Connection", "close");
    res.status(error.status).json(errorBodyOf(error, state.requestId));
  };
  app.use(errors);
  return app;
}
