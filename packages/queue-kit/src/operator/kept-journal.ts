import type { JournalFields } from "../journal/entry.ts";
import { journalFieldsOf } from "../journal/fields.ts";
import type { KeptEvent } from "./kept-event.ts";

/**
 * The journal entry of a kept event leaving its queue (replayed, adopted, purged, trimmed):
 * the event's ids when it holds one, else what the kept job says (a rejected copy, a dead
 * letter whose job was no event). `jobId` names the job the entry is about.
 */
export function keptJournalFields(
  kept: Omit<KeptEvent, "event"> & { event?: KeptEvent["event"] | undefined },
  jobId: string,
  reason: string,
): JournalFields {
  if (kept.event !== undefined) return journalFieldsOf(kept.event, jobId, { reason });
  return {
    deliveryId: "",
    jobId,
    subscription: kept.subscription,
    eventType: kept.eventType,
    operation: kept.operation,
    reason,
  };
}
