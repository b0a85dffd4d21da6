import {
  DeadLetterJob,
  EventJob,
  FilteredEventJob,
  type QueueNames,
  queueLabel,
  RejectedDeliveryJob,
  rejectedQueueName,
  StaleEventJob,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { z } from "zod";
import type { QueuePool } from "../queue-pool.ts";

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

/** What an operator filters kept events by; every field optional, all given must match. */
export const KeptFilter = z.object({
  location: z.array(KeptLocation).min(1).optional(),
  /** A queue label or name, e.g. `pnr-v3.flight-cancelled`. */
  queue: z.string().min(1).optional(),
  eventType: z.string().min(1).optional(),
  operation: z.string().min(1).optional(),
  subscription: z.string().min(1).optional(),
  organizationId: z.string().min(1).optional(),
  pnrId: z.string().min(1).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  /** Case-insensitive text in the failure or staleness reason. */
  errorText: z.string().min(1).optional(),
  /** One event by its job id (kept or original). */
  jobId: z.string().min(1).optional(),
  limit: z.number().int().min(1).optional(),
});
export type KeptFilter = z.infer<typeof KeptFilter>;

export type Holder = { location: KeptLocation; heldIn: string; ledgerQueue: string };

/**
 * Rejected deliveries are not events, and filtered ones were dropped on purpose: both are
 * listed only when asked for by name, so that a replay of "everything" never undoes a filter.
 */
const defaultLocations: readonly KeptLocation[] = ["dead-letter", "stale", "catch-all"];

export function holdersOf(queues: readonly QueueNames[], filter: KeptFilter): Holder[] {
  const wanted = new Set(filter.location ?? defaultLocations);
  const named = filter.queue === undefined ? undefined : queueLabel(filter.queue);
  const rejected: Holder[] =
    wanted.has("rejected") && named === undefined
      ? [{ location: "rejected", heldIn: rejectedQueueName, ledgerQueue: rejectedQueueName }]
      : [];
  return rejected.concat(
    queues.flatMap((names): Holder[] => {
      if (named !== undefined && queueLabel(names.queue) !== named) return [];
      const filtered: Holder[] = wanted.has("filtered")
        ? [{ location: "filtered", heldIn: names.filtered, ledgerQueue: names.queue }]
        : [];
      if (names.queue === unroutedQueueNames.queue) {
        return wanted.has("catch-all")
          ? [{ location: "catch-all", heldIn: names.queue, ledgerQueue: names.queue }, ...filtered]
          : filtered;
      }
      const out: Holder[] = [];
      if (wanted.has("dead-letter"))
        out.push({ location: "dead-letter", heldIn: names.deadLetter, ledgerQueue: names.queue });
      if (wanted.has("stale"))
        out.push({ location: "stale", heldIn: names.stale, ledgerQueue: names.queue });
      return [...out, ...filtered];
    }),
  );
}

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

function matches(kept: KeptEvent, filter: KeptFilter): boolean {
  const keys = kept.event?.keys;
  const at = Date.parse(kept.keptAt);
  if (filter.eventType !== undefined && kept.eventType !== filter.eventType) return false;
  if (filter.operation !== undefined && kept.operation !== filter.operation) return false;
  if (filter.subscription !== undefined && kept.subscription !== filter.subscription) return false;
  if (filter.organizationId !== undefined && keys?.organizationId !== filter.organizationId)
    return false;
  if (filter.pnrId !== undefined && keys?.pnrId !== filter.pnrId) return false;
  if (filter.since !== undefined && !(at >= filter.since.getTime())) return false;
  if (filter.until !== undefined && !(at <= filter.until.getTime())) return false;
  if (
    filter.errorText !== undefined &&
    !kept.why.toLowerCase().includes(filter.errorText.toLowerCase())
  )
    return false;
  if (filter.jobId !== undefined && kept.jobId !== filter.jobId && kept.eventJobId !== filter.jobId)
    return false;
  return true;
}

const pageSize = 500;

/**
 * Every kept event matching `filter`, page by page, in the order kept. Jobs whose data is not
 * what their queue holds (added by hand) are skipped: there is nothing to replay.
 */
export async function* keptEvents(
  pool: QueuePool,
  queues: readonly QueueNames[],
  filter: KeptFilter,
): AsyncGenerator<KeptEvent> {
  let yielded = 0;
  for (const holder of holdersOf(queues, filter)) {
    const queue = pool.get(holder.heldIn);
    if (filter.jobId !== undefined) {
      const direct = await queue.getJob(filter.jobId);
      const kept = direct === undefined ? undefined : toKept(holder, filter.jobId, direct.data);
      if (kept !== undefined && matches(kept, filter)) {
        yield kept;
        yielded += 1;
        if (filter.limit !== undefined && yielded >= filter.limit) return;
        continue;
      }
    }
    for (let start = 0; ; start += pageSize) {
      const jobs = await queue.getJobs(
        ["waiting", "prioritized", "delayed"],
        start,
        start + pageSize - 1,
        true,
      );
      for (const job of jobs) {
        if (job?.id === undefined) continue;
        const kept = toKept(holder, job.id, job.data);
        if (kept === undefined || !matches(kept, filter)) continue;
        yield kept;
        yielded += 1;
        if (filter.limit !== undefined && yielded >= filter.limit) return;
      }
      if (jobs.length < pageSize) break;
    }
  }
}
