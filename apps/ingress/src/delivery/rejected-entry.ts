import { payloadKeys } from "@skyhook/contracts";
import type { JournalFields } from "@skyhook/queue-kit";

const stringField = (body: Record<string, unknown>, ...names: string[]) => {
  for (const name of names) {
    const value = body[name];
    if (typeof value === "string") return value;
  }
  return "";
};

/**
 * What the journal records of a delivery that is JSON but not a valid envelope: whatever ids
 * can still be read from it (the routing pair, the payload's PNR and trip), so a look-up by
 * PNR finds it too; the reason names the failing fields, never their values.
 */
export function rejectedJournalFields(
  event: unknown,
  known: { deliveryId: string; subscription: string; bodyBytes: number; fields: string },
): Omit<JournalFields, "jobId"> {
  const body =
    typeof event === "object" && event !== null && !Array.isArray(event)
      ? (event as Record<string, unknown>)
      : {};
  const eventType = stringField(body, "event_type", "eventType");
  const keys = payloadKeys(eventType, body.payload);
  return {
    deliveryId: known.deliveryId,
    subscription: known.subscription,
    eventType,
    operation: stringField(body, "operation"),
    pnrId: keys.pnrId,
    tripId: keys.tripId,
    travelerId: eventType === "TRAVELER_V2" ? keys.entityId : undefined,
    version: keys.version,
    bodyBytes: known.bodyBytes,
    reason: `invalid envelope: ${known.fields}`,
  };
}
