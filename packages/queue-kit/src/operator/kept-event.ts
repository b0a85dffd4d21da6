import {
  DeadLetterJob,
  EventJob,
  FilteredEventJob,
  RejectedDeliveryJob,
  StaleEventJob,
} from "@skyhook/contracts";
import { z } from "zod";

/** Where Skyhook keeps events that no handler finished: an operator looks at, replays or purges them. */
export const KeptLocation = z.enum(["dead-letter", "stale", "catch-all", "rejected", "filtered"]);
export type KeptLocation = z.infer<typeof KeptLocation>;

/**
 * Whether an event kept there was counted as accepted by its queue's ledger. Rejected copies
 * were answered 400 and filtered deliveries were never queued: both are outside its balance,
 * so leaving them (a move, a purge, a trim) is only marked, never counted.
 */
export const countedInLedger = (location: KeptLocation): boolean =>
  location !== "rejected" && location !== "filtered";

export type KeptEvent = {
  location: KeptLocation;
  /** The queue holding it (`….dead-letter`, `….stale`, `….filtered`, `{unrouted}`). */
  heldIn: string;
  /**
   * The operation queue whose ledger and journal it belongs to (`{unrouted}` for catch-all
   * events, the operation's queue for filtered deliveries, whose leaving is journaled there but
   * never counted: see `countedInLedger`); for a rejected copy, the queue holding it.
   */
  ledgerQueue: string;
  /** Its job id in `heldIn`. */
  jobId: string;
  /** The id of the event's own job (for a dead letter `dl-wh-1`: `wh-1`; replays keep their `rpN-`). */
  eventJobId: string;
  /** Undefined only for a dead letter whose job data was not a Skyhook event. */
  event: EventJob | undefined;
  eventType: string;
  operation: string;
  subscription: string;
  /** When it was kept: dead-lettered, skipped, or received (catch-all, filtered). */
  keptAt: string;
  /** Why: the failure with its causes, the staleness, or the filter's reason. */
  why: string;
};

/** Which kept queue an event is read from, and whose ledger its leaving belongs to. */
export type Holder = { location: KeptLocation; heldIn: string; ledgerQueue: string };

/** The kept event job `jobId` of `holder` holds, or undefined when its data is not what it keeps. */
export function toKept(holder: Holder, jobId: string, data: unknown): KeptEvent | undefined {
  const base = { ...holder, jobId };
  if (holder.location === "dead-letter") {
    const letter = DeadLetterJob.safeParse(data);
    if (!letter.success) return undefined;
    const event = EventJob.safeParse(letter.data.event);
    const { failure } = letter.data;
    return {
      ...base,
      eventJobId: failure.jobId,
      event: event.success ? event.data : undefined,
      eventType: event.success ? event.data.eventType : "-",
      operation: event.success ? event.data.operation : "-",
      subscription: event.success ? event.data.subscription : "-",
      keptAt: failure.deadLetteredAt,
      why: `${failure.reason}: ${failure.error ?? failure.history.at(-1)?.error ?? ""}`,
    };
  }
  if (holder.location === "stale") {
    const kept = StaleEventJob.safeParse(data);
    if (!kept.success) return undefined;
    const { event, stale } = kept.data;
    return {
      ...base,
      eventJobId: stale.jobId,
      event,
      eventType: event.eventType,
      operation: event.operation,
      subscription: event.subscription,
      keptAt: stale.skippedAt,
      why: `stale: version ${stale.order.version ?? "-"} / ${stale.order.timestampMs ?? "-"} older than applied ${stale.newest.version ?? "-"} / ${stale.newest.timestampMs ?? "-"}`,
    };
  }
  if (holder.location === "filtered") {
    const kept = FilteredEventJob.safeParse(data);
    if (!kept.success) return undefined;
    const { event, filtered } = kept.data;
    return {
      ...base,
      eventJobId: filtered.jobId,
      event,
      eventType: event.eventType,
      operation: event.operation,
      subscription: event.subscription,
      keptAt: filtered.filteredAt,
      why: `filtered: ${filtered.reason}`,
    };
  }
  if (holder.location === "rejected") {
    const copy = RejectedDeliveryJob.safeParse(data);
    if (!copy.success) return undefined;
    const body = copy.data.body;
    const field = (name: string) => {
      const value =
        typeof body === "object" && body !== null
          ? (body as Record<string, unknown>)[name]
          : undefined;
      return typeof value === "string" ? value : "-";
    };
    return {
      ...base,
      eventJobId: jobId,
      event: undefined,
      eventType: field("event_type") === "-" ? field("eventType") : field("event_type"),
      operation: field("operation"),
      subscription: copy.data.subscription,
      keptAt: copy.data.receivedAt,
      why: `invalid envelope: ${copy.data.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    };
  }
  const event = EventJob.safeParse(data);
  if (!event.success) return undefined;
  return {
    ...base,
    eventJobId: jobId,
    event: event.data,
    eventType: event.data.eventType,
    operation: event.data.operation,
    subscription: event.data.subscription,
    keptAt: event.data.receivedAt,
    why: "no handler for this operation yet",
  };
}
