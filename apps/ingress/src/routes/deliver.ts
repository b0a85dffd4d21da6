import { type EventJob, parseEnvelope, payloadKeys } from "@skyhook/contracts";
import {
  type Enqueuer,
  type Router as EventRouter,
  type RejectedWriter,
  StorageUnavailable,
  type Tracing,
} from "@skyhook/queue-kit";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { createDeliveryAuthenticator } from "../auth/authenticate-delivery.ts";
import { subscriptionOf } from "../auth/authenticate-delivery.ts";
import type { FailureLimiter } from "../auth/failure-limits.ts";
import { refuseDeclaredOversize } from "../declared-length.ts";
import { deliveryIdOf } from "../delivery-id.ts";
import { startDeliveryTrace, tracedEnqueue } from "../delivery-trace.ts";
import { IngressError } from "../errors.ts";
import { exceedsJsonDepth, maxJsonDepth } from "../json-depth.ts";
import { stateOf } from "../request-state.ts";
import { refuseStreamedOversize } from "../streamed-length.ts";
import { filteredOut } from "../subscriptions/subscription-filter.ts";

export type DeliverRouteDeps = {
  authenticator: ReturnType<typeof createDeliveryAuthenticator>;
  failureLimiter: FailureLimiter;
  enqueuer: Enqueuer;
  /** Keeps a copy of authenticated deliveries that are not valid envelopes. */
  rejected: RejectedWriter;
  router: Pick<EventRouter, "route">;
  /** Throws 503 overloaded when the queue may not take more now (an in-memory lookup). */
  shedIfOverloaded: (queue: string) => void;
  bodyLimitBytes: number;
  tracing: Tracing;
  now: () => Date;
};

function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new IngressError("malformed_json", "request body is empty");
  }
  if (exceedsJsonDepth(body)) {
    throw new IngressError(
      "malformed_json",
      `request body nests deeper than ${maxJsonDepth} levels`,
    );
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new IngressError("malformed_json", "request body is not valid JSON");
  }
}

/** Redis could not confirm the write: 503, so Spotnana retries (a re-send is deduplicated). */
async function stored<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof StorageUnavailable)) throw err;
    throw new IngressError(
      "storage_unavailable",
      "the event could not be stored; retry later",
      undefined,
      {
        cause: err.cause,
      },
    );
  }
}

/**
 * Spotnana's delivery endpoint: authenticate, validate, filter, route, store, and only then
 * answer exactly 200. `/webhooks/spotnana/<subscription>` names the subscription (the way to
 * give each subscription its own URL); `/webhooks/spotnana` finds it from the token or the
 * signature. The body is read raw (any content type, gzip/deflate inflated, size-limited
 * after inflation) because the signature covers the exact bytes.
 */
export function deliverRouter(deps: DeliverRouteDeps): Router {
  const router = Router();
  const auth = deps.authenticator;
  /**
   * A refused authentication is counted, and answered 429 instead of 401 once its address is
   * over the limit. Credentials are always checked first: a signed delivery is verified even
   * from an address over the limit (its body read within the size limit, one HMAC per
   * candidate secret), because refusing it unread would lock out the real sender.
   */
  const limitFailures =
    (req: Request, res: Response, next: NextFunction) =>
    (err?: unknown): void => {
      if (!(err instanceof IngressError && err.code === "unauthorized")) {
        next(err);
        return;
      }
      deps.failureLimiter
        .failed(req, res, auth.claimedSubscription(req))
        .then((limited) => next(limited ?? err), next);
    };
  router.post(
    ["/webhooks/spotnana", "/webhooks/spotnana/:subscription"],
    (req: Request, res: Response, next: NextFunction) => {
      stateOf(res).endpoint = "delivery";
      startDeliveryTrace(deps.tracing, req, res);
      next();
    },
    refuseDeclaredOversize(deps.bodyLimitBytes),
    (req, res, next) => auth.beforeBody(req, res, limitFailures(req, res, next)),
    refuseStreamedOversize(
      deps.bodyLimitBytes,
      express.raw({ type: () => true, limit: deps.bodyLimitBytes, inflate: true }),
    ),
    (req, res, next) => auth.afterBody(req, res, limitFailures(req, res, next)),
    async (req: Request, res: Response) => {
      const state = stateOf(res);
      const subscription = subscriptionOf(res);
      const body = parseJson(req.body);
      const parsed = parseEnvelope(body);
      if (!parsed.ok) {
        const fields = parsed.issues.map((i) => i.path).join(", ");
        state.rejectedKept = await deps.rejected.keep(
          {
            v: 1,
            subscription: subscription.name,
            receivedAt: deps.now().toISOString(),
            issues: parsed.issues,
            body,
            trace: { requestId: state.requestId, traceId: state.traceId },
          },
          req.body as Buffer,
        );
        throw new IngressError("invalid_envelope", `invalid envelope: ${fields}`, parsed.issues);
      }
      const { eventType, operation } = parsed.envelope;
      state.eventType = eventType;
      state.operation = operation;
      const keys = payloadKeys(eventType, parsed.envelope.payload);
      const id = deliveryIdOf(req.headers, body);
      state.deliveryId = id.deliveryId;

      const route = deps.router.route(eventType, operation);
      state.queue = route.queues.queue;
      state.jobId = id.jobId;

      const dropped = filteredOut(subscription, { eventType, operation, keys });
      if (dropped !== undefined) {
        state.filtered = dropped;
        const counted = { subscription: subscription.name, eventType, operation };
        state.outcome = await stored(deps.enqueuer.filtered(route, counted, id.jobId, dropped));
        // Key order as before (status, reason, deliveryId): the body is part of the contract.
        const answer: { status: string; reason?: string; deliveryId?: string } = {
          status: state.outcome,
        };
        if (state.outcome === "filtered") answer.reason = dropped;
        answer.deliveryId = id.deliveryId;
        res.status(200).json(answer);
        return;
      }

      deps.shedIfOverloaded(route.queues.queue);
      const receivedAt = deps.now().toISOString();
      const startedAt = process.hrtime.bigint();
      const target = { queue: route.queues.queue, jobId: id.jobId };
      state.outcome = await tracedEnqueue(deps.tracing, res, target, (carrier) => {
        const trace: EventJob["trace"] = {
          requestId: state.requestId,
          traceId: state.traceId,
          spanId: state.spanId,
        };
        if (carrier !== undefined) trace.carrier = carrier;
        const job: EventJob = {
          v: 1,
          deliveryId: id.deliveryId,
          deliveryIdSource: id.source,
          subscription: subscription.name,
          receivedAt,
          eventType,
          operation,
          keys,
          trace,
          envelope: body as EventJob["envelope"],
        };
        return stored(deps.enqueuer.enqueue(route, job, id.jobId));
      });
      state.enqueueSec = Number(process.hrtime.bigint() - startedAt) / 1e9;
      res.status(200).json({ status: state.outcome, deliveryId: id.deliveryId, jobId: id.jobId });
    },
  );
  return router;
}
