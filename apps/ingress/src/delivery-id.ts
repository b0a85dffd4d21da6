import type { IncomingHttpHeaders } from "node:http";
import { digestJobId, sha256Id, webhookJobId } from "@skyhook/queue-kit";
import { stringify } from "safe-stable-stringify";

export type DeliveryId = {
  deliveryId: string;
  source: "webhook-id" | "event-digest";
  /** The BullMQ job id (see queue-kit's job-id grammar). */
  jobId: string;
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * Spotnana keeps `x-spotnana-webhook-id` across re-sends of one delivery. Without it (legacy
 * OAuth mode documents no delivery id) the delivery is identified by a digest of the event
 * in canonical form (sorted keys), so a re-serialised re-send still maps to the same id.
 */
export function deliveryIdOf(headers: IncomingHttpHeaders, event: unknown): DeliveryId {
  const webhookId = header(headers, "x-spotnana-webhook-id") ?? header(headers, "webhook-id");
  if (webhookId !== undefined) {
    return { deliveryId: webhookId, source: "webhook-id", jobId: webhookJobId(webhookId) };
  }
  const jobId = digestJobId(sha256Id(stringify(event) ?? ""));
  return { deliveryId: jobId, source: "event-digest", jobId };
}
