import { z } from "zod";
import { EntityOrder } from "./entity-order.ts";
import { PayloadKeys } from "./payload-keys.ts";

/**
 * What the ingress stores for every accepted delivery and the worker reads back. The envelope
 * is kept whole (as sent, extra fields included) so a kept event can be re-routed or replayed.
 * BullMQ stores job data as JSON, so dates travel as ISO strings.
 */
export const EventJob = z.object({
  v: z.literal(1),
  /** Stable across Spotnana's re-sends of the same delivery: the idempotency key. */
  deliveryId: z.string().min(1),
  deliveryIdSource: z.enum(["webhook-id", "event-digest"]),
  subscription: z.string().min(1),
  receivedAt: z.iso.datetime(),
  eventType: z.string().min(1),
  operation: z.string().min(1),
  keys: PayloadKeys,
  trace: z.object({
    requestId: z.string(),
    /** Spotnana's `X-B3-TraceId` / `X-B3-SpanId`, as sent. */
    traceId: z.string().optional(),
    spanId: z.string().optional(),
    /**
     * The delivery's trace context in propagator form (W3C `traceparent`, `tracestate`), written
     * by the ingress when tracing is on, so the worker's spans join the delivery's trace. Jobs
     * written before it existed, or with tracing off, have none. A carrier that does not parse
     * is dropped rather than failing the job: losing a trace link must never dead-letter an event.
     */
    carrier: z.record(z.string(), z.string()).optional().catch(undefined),
  }),
  envelope: z.looseObject({ payload: z.unknown() }),
});
export type EventJob = z.infer<typeof EventJob>;

export const DeadLetterReason = z.enum([
  "retries-exhausted",
  /** Still failing when the event reached its retry horizon (the operation's `horizonSec`). */
  "retry-horizon",
  "permanent-error",
  "invalid-payload",
  "invalid-job",
  "stalled",
]);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;

export const FailedAttempt = z.object({ attempt: z.number().int().min(1), error: z.string() });
export type FailedAttempt = z.infer<typeof FailedAttempt>;

/** A dead letter keeps the original job data untouched plus why and how it failed. */
export const DeadLetterJob = z.object({
  v: z.literal(1),
  /** The original job data; it is an `EventJob` unless the reason is `invalid-job`. */
  event: z.unknown(),
  failure: z.object({
    reason: DeadLetterReason,
    /** The last error with its cause chain, e.g. `TypeError: fetch failed ← Error: connect ECONNREFUSED …`. */
    error: z.string().optional(),
    queue: z.string(),
    jobId: z.string(),
    attemptsMade: z.number().int().min(0),
    history: z.array(FailedAttempt),
    deadLetteredAt: z.iso.datetime(),
  }),
});
export type DeadLetterJob = z.infer<typeof DeadLetterJob>;

/** An event skipped because a newer state of its entity had already been applied. */
export const StaleEventJob = z.object({
  v: z.literal(1),
  event: EventJob,
  stale: z.object({
    queue: z.string(),
    jobId: z.string(),
    order: EntityOrder,
    newest: EntityOrder,
    skippedAt: z.iso.datetime(),
  }),
});
export type StaleEventJob = z.infer<typeof StaleEventJob>;

/**
 * A delivery a subscription filter dropped, kept whole (answered 200 `filtered` all the same)
 * so that a wrong filter loses nothing for good: it can be replayed like any kept event.
 */
export const FilteredEventJob = z.object({
  v: z.literal(1),
  event: EventJob,
  filtered: z.object({
    /** The filter's reason, as the delivery's answer gave it (`operation-excluded`, …). */
    reason: z.string().min(1),
    /** The queue the event routed to when it was filtered, and the job id it would have had. */
    queue: z.string(),
    jobId: z.string(),
    filteredAt: z.iso.datetime(),
  }),
});
export type FilteredEventJob = z.infer<typeof FilteredEventJob>;

/** A copy of an authenticated delivery whose JSON is not a valid envelope, and why. */
export const RejectedDeliveryJob = z.object({
  v: z.literal(1),
  subscription: z.string(),
  receivedAt: z.iso.datetime(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  body: z.unknown(),
  trace: z.object({ requestId: z.string(), traceId: z.string().optional() }),
});
export type RejectedDeliveryJob = z.infer<typeof RejectedDeliveryJob>;
