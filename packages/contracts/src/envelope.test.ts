import { describe, expect, it } from "vitest";
import { parseEnvelope } from "./envelope.ts";

const payload = { pnrId: "PNR-1", version: 3 };

function parsed(body: unknown) {
  const result = parseEnvelope(body);
  if (!result.ok)
    throw new Error(`expected a valid envelope, got ${JSON.stringify(result.issues)}`);
  return result.envelope;
}

function issuesOf(body: unknown) {
  const result = parseEnvelope(body);
  if (result.ok) throw new Error("expected the envelope to be rejected");
  return result.issues;
}

describe("parseEnvelope", () => {
  it("accepts the snake_case event_type", () => {
    const envelope = parsed({ event_type: "PNR_V3", operation: "BOOKING_CREATED", payload });
    expect(envelope.eventType).toBe("PNR_V3");
    expect(envelope.operation).toBe("BOOKING_CREATED");
  });

  it("accepts the camelCase eventType", () => {
    const envelope = parsed({ eventType: "TRAVELER_V2", operation: "UPDATE", payload });
    expect(envelope.eventType).toBe("TRAVELER_V2");
  });

  it("prefers event_type when both spellings are present", () => {
    const envelope = parsed({
      event_type: "PNR_V3",
      eventType: "TRAVELER_V2",
      operation: "UPDATE",
      payload,
    });
    expect(envelope.eventType).toBe("PNR_V3");
  });

  it("rejects an envelope with neither event_type nor eventType, naming event_type", () => {
    const issues = issuesOf({ operation: "BOOKING_CREATED", payload });
    expect(issues.map((i) => i.path)).toEqual(["event_type"]);
  });

  it("rejects a blank eventType, naming event_type", () => {
    const issues = issuesOf({ eventType: "", operation: "BOOKING_CREATED", payload });
    expect(issues.map((i) => i.path)).toEqual(["event_type"]);
  });

  it("rejects a blank event_type", () => {
    const issues = issuesOf({ event_type: "   ", operation: "BOOKING_CREATED", payload });
    expect(issues.map((i) => i.path)).toContain("event_type");
  });

  it("normalises the FLIGHT_CANCELED spelling to FLIGHT_CANCELLED", () => {
    const envelope = parsed({ event_type: "PNR_V3", operation: "FLIGHT_CANCELED", payload });
    expect(envelope.operation).toBe("FLIGHT_CANCELLED");
  });

  it("upper-cases and trims lower-case event types and operations", () => {
    const envelope = parsed({ event_type: " pnr_v3 ", operation: "flight_canceled", payload });
    expect(envelope.eventType).toBe("PNR_V3");
    expect(envelope.operation).toBe("FLIGHT_CANCELLED");
  });

  it("keeps operations it does not know, upper-cased", () => {
    const envelope = parsed({ event_type: "PNR_V3", operation: "brand_new_op", payload });
    expect(envelope.operation).toBe("BRAND_NEW_OP");
  });

  it("preserves unknown top-level fields and unknown payload fields", () => {
    const envelope = parsed({
      event_type: "PNR_V3",
      operation: "BOOKING_TICKETED",
      operationSummary: { ticketsIssued: ["T1"] },
      futureField: { nested: [1, 2] },
      payload: { ...payload, extra: "kept" },
    });
    expect(envelope).toMatchObject({
      futureField: { nested: [1, 2] },
      operationSummary: { ticketsIssued: ["T1"] },
      payload: { extra: "kept" },
    });
  });

  it.each([
    ["a string", "not-an-object"],
    ["null", null],
    ["a number", 42],
  ])("rejects a payload that is %s, naming payload", (_label, bad) => {
    const issues = issuesOf({ event_type: "PNR_V3", operation: "BOOKING_CREATED", payload: bad });
    expect(issues.map((i) => i.path)).toEqual(["payload"]);
  });

  it("rejects a missing payload, naming payload", () => {
    const issues = issuesOf({ event_type: "PNR_V3", operation: "BOOKING_CREATED" });
    expect(issues.map((i) => i.path)).toContain("payload");
  });

  it("rejects a missing operation, naming operation", () => {
    const issues = issuesOf({ event_type: "PNR_V3", payload });
    expect(issues.map((i) => i.path)).toEqual(["operation"]);
  });

  it.each([
    ["an array", []],
    ["a string", "{}"],
    ["null", null],
  ])("rejects a body that is %s, naming the body", (_label, body) => {
    expect(issuesOf(body).map((i) => i.path)).toEqual(["(body)"]);
  });

  it("accepts a numeric epoch timestamp unchanged", () => {
    const envelope = parsed({
      event_type: "PNR_V3",
      operation: "BOOKING_CREATED",
      timestamp: 1_767_225_600,
      payload,
    });
    expect(envelope.timestamp).toBe(1_767_225_600);
  });

  it("accepts an ISO-8601 timestamp unchanged", () => {
    const envelope = parsed({
      event_type: "PNR_V3",
      operation: "BOOKING_CREATED",
      timestamp: "2026-01-01T00:00:00.000Z",
      payload,
    });
    expect(envelope.timestamp).toBe("2026-01-01T00:00:00.000Z");
  });

  it("rejects a timestamp that is neither a string nor a number, naming timestamp", () => {
    const issues = issuesOf({
      event_type: "PNR_V3",
      operation: "BOOKING_CREATED",
      timestamp: { at: 1 },
      payload,
    });
    expect(issues.map((i) => i.path)).toEqual(["timestamp"]);
  });
});
