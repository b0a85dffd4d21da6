import { type Catalog, type EventJob, parseEnvelope, payloadKeys } from "@skyhook/contracts";
import express, { type Request, type Response, Router } from "express";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { ClientRegistry } from "../auth/client-registry.ts";
import { requireBearer } from "../auth/require-bearer.ts";
import { deliveryIdOf } from "../delivery-id.ts";
import type { Enqueuer } from "../enqueuer.ts";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";

export type DeliverRouteDeps = {
  tokens: AccessTokens;
  clients: ClientRegistry;
  enqueuer: Enqueuer;
  catalog: Catalog;
  bodyLimitBytes: number;
  now: () => Date;
};

function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new IngressError("malformed_json", "request body is empty");
  }
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new IngressError("malformed_json", "request body is not valid JSON");
  }
}

/**
 * Spotnana's delivery endpoint: authenticate, validate, route, store, and only then answer
 * exactly 200. The body is read raw (any content type, gzip/deflate inflated, size-limited
 * after inflation) because signature verification needs the exact bytes.
 */
export function deliverRouter(deps: DeliverRouteDeps): Router {
  const router = Router();
  router.post(
    "/webhooks/spotnana",
    requireBearer(deps.tokens, deps.clients),
    express.raw({ type: () => true, limit: deps.bodyLimitBytes, inflate: true }),
    async (req: Request, res: Response) => {
      const state = stateOf(res);
      const body = parseJson(req.body);
      const parsed = parseEnvelope(body);
      if (!parsed.ok) {
        const fields = parsed.issues.map((i) => i.path).join(", ");
        throw new IngressError("invalid_envelope", `invalid envelope: ${fields}`, parsed.issues);
      }
      const { eventType, operation } = parsed.envelope;
      state.eventType = eventType;
      state.operation = operation;

      const route = deps.catalog.route(eventType, operation);
      const id = deliveryIdOf(req.headers, body);
      state.deliveryId = id.deliveryId;
      state.queue = route.queues.queue;
      state.jobId = id.jobId;

      const job: EventJob = {
        v: 1,
        deliveryId: id.deliveryId,
        deliveryIdSource: id.source,
        subscription: state.subscription ?? "unknown",
        receivedAt: deps.now().toISOString(),
        eventType,
        operation,
        keys: payloadKeys(eventType, parsed.envelope.payload),
        trace: { requestId: state.requestId, traceId: state.traceId, spanId: state.spanId },
        envelope: body as EventJob["envelope"],
      };
      await deps.enqueuer.enqueue(route, job, id.jobId);
      res.status(200).json({ status: "accepted", deliveryId: id.deliveryId, jobId: id.jobId });
    },
  );
  return router;
}
