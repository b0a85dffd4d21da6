import type { EventJob } from "@skyhook/contracts";
import type { JournalFields } from "./entry.ts";

/** The event type whose entity id names a traveler. */
const travelerEventType = "TRAVELER_V2";

/**
 * What the journal records of an event: its ids as the ingress read them from the payload
 * (`payloadKeys`), never a value of the payload itself.
 */
export function journalFieldsOf(
  event: Pick<EventJob, "deliveryId" | "subscription" | "eventType" | "operation" | "keys">,
  jobId: string,
  extra: Pick<JournalFields, "bodyBytes" | "reason"> = {},
): JournalFields {
  return {
    deliveryId: event.deliveryId,
    jobId,
    subscription: event.subscription,
    eventType: event.eventType,
    operation: event.operation,
    pnrId: event.keys.pnrId,
    tripId: event.keys.tripId,
    travelerId: event.eventType === travelerEventType ? event.keys.entityId : undefined,
    version: event.keys.version,
    ...extra,
  };
}
