import {
  type QueueNames,
  queueLabel,
  rejectedQueueName,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { z } from "zod";
import { type Holder, type KeptEvent, KeptLocation } from "./kept-event.ts";

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

/**
 * Rejected deliveries are not events, and filtered ones were dropped on purpose: both are
 * listed only when asked for by name, so that a replay of "everything" never undoes a filter.
 */
const defaultLocations: readonly KeptLocation[] = ["dead-letter", "stale", "catch-all"];

/** The kept queues `filter` looks in, among `queues`. */
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

/** Whether a kept event is one `filter` asks for (its location and queue are `holdersOf`'s). */
export function matchesFilter(kept: KeptEvent, filter: KeptFilter): boolean {
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
