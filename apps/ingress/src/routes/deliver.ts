import { type EventJob, parseEnvelope, payloadKeys } from "@skyhook/contracts";
import {
  addressKey,
  type Enqueuer,
  type Router as EventRouter,
  type RejectedWriter,
  StorageUnavailable,
  type Tracing,
} from "@skyhook/queue-kit";
import { type Request, type Response, Router } from "express";
import type { FailureLimiter } from "../auth/failure-limits.ts";
import type { BodyBudget } from "../delivery/body-budget.ts";
import { contentCodingOf } from "../delivery/content-coding.ts";
import type { DeliveryCredentials, Judged } from "../delivery/credentials.ts";
import { deliveryIdOf } from "../delivery/delivery-id.ts";
import { startDeliveryTrace } from "../delivery/delivery-trace.ts";
import { exceedsJsonDepth, maxJsonDepth } from "../delivery/json-depth.ts";
import { type BodyLimits, readBody } from "../delivery/read-body.ts";
import { rejectedJournalFields } from "../delivery/rejected-entry.ts";
import { IngressError } from "../errors.ts";
import { stateOf } from "../request-state.ts";
import { filteredOut } from "../subscriptions/subscription-filter.ts";

export type DeliverRouteDeps = {
  credentials: DeliveryCredentials;
  failureLimiter: FailureLimiter;
  enqueuer: Enqueuer;
  /** Keeps a copy of authenticated deliveries that are not valid envelopes. */
  rejected: RejectedWriter;
  router: Pick<EventRouter, "route">;
  bodyLimits: BodyLimits;
  /** Bytes of bodies read before their sender is known, per process and per address. */
  bodyBudget: BodyBudget;
  /** Retry-After of a 503: when a busy or unavailable ingress is worth asking again. */
  retryAfterSec: number;
  /** Throws 503 overloaded when the queue may not take more now (an in-memory lookup). */
  shedIfOverloaded: (queue: string) => void;
  tracing: Tracing;
  now: () => Date;
};

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new IngressError("malformed_json", "request body is empty");
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

/** Spotnana's delivery endpoint, on both of its paths. */
export function deliverRouter(deps: DeliverRouteDeps): Router {
  const router = Router();
  router.post(["/webhooks/spotnana", "/webhooks/spotnana/:subscription"], (req, res) =>
    deliver(deps, req, res),
  );
  return router;
}

/** A storage failure is answered 503 with Retry-After: Spotnana retries, nothing is lost. */
async function stored<T>(work: Promise<T>, retryAfterSec: number): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof StorageUnavailable)) throw err;
    throw new IngressError(
      "storage_unavailable",
      "the event could not be stored; retry later",
      undefined,
      { cause: err.cause, retryAfterSec },
    );
  }
}

/**
 * A refused authentication is counted, and answered 429 instead of 401 once its address is
 * over the limit. Credentials are always judged first: a signed delivery is verified even
 * from an address over the limit, because refusing it unread would lock out the real sender.
 */
async function authenticated<T>(
  deps: DeliverRouteDeps,
  req: Request,
  res: Response,
  judged: Judged<T>,
): Promise<T> {
  if (judged.ok) return judged.value;
  const name = req.params.subscription;
  const claimed = deps.credentials.claimedSubscription(typeof name === "string" ? name : undefined);
  throw (await deps.failureLimiter.failed(req, res, claimed)) ?? judged.error;
}

/**
 * Spotnana's delivery endpoint, read top to bottom: what costs nothing is judged before the
 * body is read (framing and coding, declared size, the subscription named, a token, the
 * signature headers' shape and timestamp), then the body is read within its limits, the
 * signature verified over it, the event validated, filtered, routed and stored — and only then
 * answered exactly 200. `/webhooks/spotnana/<subscription>` names the subscription (the way to
 * give each subscription its own URL); `/webhooks/spotnana` finds it from the token or the
 * signature.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one delivery from socket to enqueue, read top to bottom in one place on purpose (issue 16, item 3); its steps are the calls it makes
async function deliver(deps: DeliverRouteDeps, req: Request, res: Response): Promise<void> {
  const credentials = deps.credentials;
  const log = stateOf(res);
  log.endpoint = "delivery";
  const name = typeof req.params.subscription === "string" ? req.params.subscription : undefined;
  const path = name === undefined ? "/webhooks/spotnana" : "/webhooks/spotnana/:subscription";
  const trace = startDeliveryTrace(deps.tracing, path, log, res);

  // Before the body: nothing here reads a byte of it.
  const coding = contentCodingOf(req.headers);
  if (coding instanceof IngressError) throw coding;
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > deps.bodyLimits.limitBytes)
    throw new IngressError(
      "payload_too_large",
      `declared request body exceeds the configured limit (${deps.bodyLimits.limitBytes} bytes)`,
      undefined,
      { closeConnection: true },
    );
  const claim = await authenticated(deps, req, res, credentials.beforeBody(name, req.headers));

  // The body, held to the budget while its sender is unknown (a signature, not a token).
  const held =
    claim.token === undefined
      ? {
          budget: deps.bodyBudget,
          address: addressKey(req.ip),
          retryAfterSec: deps.retryAfterSec,
        }
      : undefined;
  const body = await readBody(req, coding, deps.bodyLimits, held);
  const sender = await authenticated(
    deps,
    req,
    res,
    credentials.afterBody(claim, req.headers, body),
  );
  const subscription = sender.subscription;
  log.subscription = subscription.name;
  log.authMode = sender.mode;
  trace.authenticated(req.headers);

  // The event: valid JSON, a valid envelope (else a copy is kept for the operator).
  const event = parseJson(body);
  const parsed = parseEnvelope(event);
  if (!parsed.ok) {
    const fields = parsed.issues.map((i) => i.path).join(", ");
    log.rejectedKept = await deps.rejected.keep(
      {
        v: 1,
        subscription: subscription.name,
        receivedAt: deps.now().toISOString(),
        issues: parsed.issues,
        body: event,
        trace: { requestId: log.requestId, traceId: log.traceId },
      },
      body,
      rejectedJournalFields(event, {
        deliveryId: deliveryIdOf(req.headers, event, sender).deliveryId,
        subscription: subscription.name,
        bodyBytes: body.length,
        fields,
      }),
    );
    throw new IngressError("invalid_envelope", `invalid envelope: ${fields}`, parsed.issues);
  }
  const { eventType, operation } = parsed.envelope;
  log.eventType = eventType;
  log.operation = operation;
  const keys = payloadKeys(eventType, parsed.envelope.payload);
  const id = deliveryIdOf(req.headers, event, sender);
  log.deliveryId = id.deliveryId;
  const route = deps.router.route(eventType, operation);
  log.queue = route.queues.queue;
  log.jobId = id.jobId;

  const job: EventJob = {
    v: 1,
    deliveryId: id.deliveryId,
    deliveryIdSource: id.source,
    subscription: subscription.name,
    receivedAt: deps.now().toISOString(),
    eventType,
    operation,
    keys,
    trace: { requestId: log.requestId, traceId: log.traceId, spanId: log.spanId },
    envelope: event as EventJob["envelope"],
  };

  // Filtered by the subscription: kept aside whole (replayable) and counted, not queued.
  const dropped = filteredOut(subscription, { eventType, operation, keys });
  if (dropped !== undefined) {
    log.filtered = dropped;
    log.outcome = await stored(
      deps.enqueuer.filtered(route, job, id.jobId, dropped, body.length),
      deps.retryAfterSec,
    );
    // Key order as before (status, reason, deliveryId): the body is part of the contract.
    const answer: { status: string; reason?: string; deliveryId?: string } = {
      status: log.outcome,
    };
    if (log.outcome === "filtered") answer.reason = dropped;
    answer.deliveryId = id.deliveryId;
    res.status(200).json(answer);
    return;
  }

  // Refused now, before Redis fills (memory near its limit, or this queue's backlog).
  deps.shedIfOverloaded(route.queues.queue);

  // Stored, then answered: exactly 200 only once Redis has the job.
  const startedAt = process.hrtime.bigint();
  const target = { queue: route.queues.queue, jobId: id.jobId };
  log.outcome = await trace.enqueue(target, (carrier) => {
    const traced = carrier === undefined ? job : { ...job, trace: { ...job.trace, carrier } };
    return stored(deps.enqueuer.enqueue(route, traced, id.jobId, body.length), deps.retryAfterSec);
  });
  log.enqueueSec = Number(process.hrtime.bigint() - startedAt) / 1e9;
  res.status(200).json({ status: log.outcome, deliveryId: id.deliveryId, jobId: id.jobId });
}
