import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { stringify } from "safe-stable-stringify";

export type DeliveryId = {
  deliveryId: string;
  source: "webhook-id" | "event-digest";
  /** A BullMQ job id: no ':' and never all digits, so the raw id is prefixed and vetted. */
  jobId: string;
};

const safeId = /^[A-Za-z0-9._-]{1,128}$/;
const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("base64url");

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
    return {
      deliveryId: webhookId,
      source: "webhook-id",
      jobId: safeId.test(webhookId) ? `wh-${webhookId}` : `wh-${sha256(webhookId)}`,
    };
  }
  const digest = sha256(stringify(event) ?? "");
  return { deliveryId: `ev-${digest}`, source: "event-digest", jobId: `ev-${digest}` };
}
