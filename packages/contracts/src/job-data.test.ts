import { describe, expect, it } from "vitest";
import { EventJob } from "./job-data.ts";

const job = {
  v: 1,
  deliveryId: "wh-1",
  deliveryIdSource: "webhook-id",
  subscription: "spotnana",
  receivedAt: "2026-11-27T10:00:00.000Z",
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  keys: {},
  trace: { requestId: "req-1", traceId: "463ac35c9f6413ad", spanId: "a2fb4a1d1a96d312" },
  envelope: { payload: {} },
};

const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("EventJob trace carrier", () => {
  it("parses a job written before the carrier existed", () => {
    const parsed = EventJob.parse(job);
    expect(parsed.trace.carrier).toBeUndefined();
    expect(parsed.trace.traceId).toBe("463ac35c9f6413ad");
  });

  it("keeps the carrier the ingress wrote", () => {
    const parsed = EventJob.parse({ ...job, trace: { ...job.trace, carrier: { traceparent } } });
    expect(parsed.trace.carrier).toEqual({ traceparent });
  });

  it("drops a carrier that is not a string map instead of refusing the job", () => {
    const parsed = EventJob.safeParse({ ...job, trace: { ...job.trace, carrier: { n: 1 } } });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.trace.carrier).toBeUndefined();
  });
});
