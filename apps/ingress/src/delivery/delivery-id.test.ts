import { digestJobId, sha256Id, webhookJobId } from "@skyhook/queue-kit";
import { describe, expect, it } from "vitest";
import { deliveryIdOf } from "./delivery-id.ts";

const event = { event_type: "PNR_V3", operation: "X", payload: { pnrId: "P1", version: 2 } };
const signed = { mode: "hmac", subscription: { name: "acme" } } as const;

describe("deliveryIdOf", () => {
  it("uses Spotnana's x-spotnana-webhook-id, kept across re-sends, as the delivery id", () => {
    expect(deliveryIdOf({ "x-spotnana-webhook-id": "msg_1" }, event, signed)).toEqual({
      deliveryId: "msg_1",
      source: "webhook-id",
      jobId: "wh-msg_1",
    });
  });

  it("falls back to the Standard Webhooks webhook-id header", () => {
    expect(deliveryIdOf({ "webhook-id": "msg_2" }, event, signed)).toMatchObject({
      deliveryId: "msg_2",
      source: "webhook-id",
    });
    expect(
      deliveryIdOf({ "x-spotnana-webhook-id": "msg_3", "webhook-id": "msg_2" }, event, signed)
        .deliveryId,
    ).toBe("msg_3");
  });

  it("ignores an empty or repeated id header and identifies the event by its digest", () => {
    const digest = deliveryIdOf({}, event, signed);
    expect(digest.source).toBe("event-digest");
    expect(digest.jobId).toMatch(/^ev-[A-Za-z0-9_-]{43}$/);
    expect(digest.deliveryId).toBe(digest.jobId);
    expect(deliveryIdOf({ "x-spotnana-webhook-id": "" }, event, signed)).toEqual(digest);
    expect(deliveryIdOf({ "x-spotnana-webhook-id": ["a", "b"] } as never, event, signed)).toEqual(
      digest,
    );
  });

  it("gives the same digest to the event re-serialised with another key order, another to another event", () => {
    const reordered = {
      payload: { version: 2, pnrId: "P1" },
      operation: "X",
      event_type: "PNR_V3",
    };
    expect(deliveryIdOf({}, reordered, signed).jobId).toBe(deliveryIdOf({}, event, signed).jobId);
    const other = { ...event, payload: { pnrId: "P1", version: 3 } };
    expect(deliveryIdOf({}, other, signed).jobId).not.toBe(deliveryIdOf({}, event, signed).jobId);
  });

  it("scopes the id of a delivery that came with a token alone by its subscription", () => {
    const byToken = (name: string) => ({ mode: "oauth", subscription: { name } }) as const;
    const headers = { "x-spotnana-webhook-id": "msg_1" };
    const mine = deliveryIdOf(headers, event, byToken("acme"));
    expect(mine).toEqual({
      deliveryId: "msg_1",
      source: "webhook-id",
      jobId: webhookJobId("acme|msg_1"),
    });
    expect(mine.jobId).toMatch(/^wh-[A-Za-z0-9_-]{43}$/);
    expect(deliveryIdOf(headers, event, byToken("other")).jobId).not.toBe(mine.jobId);
    expect(deliveryIdOf(headers, event, signed).jobId).toBe("wh-msg_1");
  });

  it("digests an event that has no JSON form as the empty string", () => {
    expect(deliveryIdOf({}, undefined, signed).jobId).toBe(digestJobId(sha256Id("")));
  });
});
