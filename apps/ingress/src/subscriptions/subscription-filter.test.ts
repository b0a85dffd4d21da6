import { payloadKeys } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import type { Subscription } from "./subscription.ts";
import { filteredOut } from "./subscription-filter.ts";

const subscription = (filters: Subscription["filters"], eventTypes?: string[]): Subscription => ({
  name: "s",
  oauth: undefined,
  hmac: undefined,
  eventTypes,
  filters,
  requiredHeaders: {},
  requiredTokenFields: {},
  requiredTokenHeaders: {},
});
const event = (payload: unknown, eventType = "AGENT_TASK_DETAILS", operation = "TASK_CREATED") => ({
  eventType,
  operation,
  keys: payloadKeys(eventType, payload),
});

describe("filteredOut", () => {
  it("drops an event of another contracting TMC, and keeps one of an allowed TMC", () => {
    const only = subscription({ contractingTmcIds: ["TMC-1"] });
    expect(filteredOut(only, event({ contractingTmc: { id: "TMC-2" } }))).toBe("contracting-tmc");
    expect(filteredOut(only, event({ contractingTmc: { id: "TMC-1" } }))).toBeUndefined();
  });

  it("drops an event of another booking TMC, and keeps one of an allowed TMC", () => {
    const only = subscription({ bookingTmcIds: ["TMC-1"] });
    const pnr = (bookingTmcId: string) =>
      event({ pnrId: "P", audience: { bookingTmcId } }, "PNR_V3", "BOOKING_CREATED");
    expect(filteredOut(only, pnr("TMC-2"))).toBe("booking-tmc");
    expect(filteredOut(only, pnr("TMC-1"))).toBeUndefined();
  });

  it("drops by organisation, excluded operation and event type, each with its reason", () => {
    expect(
      filteredOut(subscription({ organizationIds: ["O-1"] }), event({ organization: "O-2" })),
    ).toBe("organization");
    expect(filteredOut(subscription({ excludeOperations: ["TASK_CREATED"] }), event({}))).toBe(
      "operation-excluded",
    );
    expect(filteredOut(subscription({}, ["PNR_V3"]), event({}))).toBe("event-type");
    expect(filteredOut(subscription({}, ["AGENT_TASK_DETAILS"]), event({}))).toBeUndefined();
  });

  it("keeps an event that does not carry the filtered key (it cannot be judged)", () => {
    const all = subscription({
      organizationIds: ["O-1"],
      contractingTmcIds: ["TMC-1"],
      bookingTmcIds: ["TMC-1"],
    });
    expect(filteredOut(all, event({}))).toBeUndefined();
  });
});
