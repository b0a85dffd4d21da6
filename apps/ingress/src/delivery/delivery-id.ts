import type { IncomingHttpHeaders } from "node:http";
import { digestJobId, sha256Id, webhookJobId } from "@skyhook/queue-kit";
import { stringify } from "safe-stable-stringify";
import type { Sender } from "./credentials.ts";

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
 * Spotnana keeps `x-spotnana-webhook-id` across re-sends of one delivery, and signs it. The id
 * decides deduplication, so only a signed delivery's id is taken as it is; the id of a delivery
 * that came with a token alone (which does not cover the id) is scoped by its subscription,
 * or one subscription's sender could claim the id of another's delivery and have that one
 * dropped as a duplicate. Without an id (legacy OAuth mode documents none) the delivery is
 * identified by a digest of the event in canonical form (sorted keys), so a re-serialised
 * re-send still maps to the same id.
 */
export function deliveryIdOf(
  headers: IncomingHttpHeaders,
  event: unknown,
  sender: Pick<Sender, "mode"> & { subscription: { name: string } },
): DeliveryId {
  const webhookId = header(headers, "x-spotnana-webhook-id") ?? header(headers, "webhook-id");
  if (webhookId !== undefined) {
    const scoped = sender.mode === "hmac" ? webhookId : `${sender.subscription.name}|${webhookId}`;
    return { deliveryId: webhookId, source: "webhook-id", jobId: webhookJobId(scoped) };
  }
  const jobId = digestJobId(sha256Id(stringify(event) ?? ""));
  return { deliveryId: jobId, source: "event-digest", jobId };
}
