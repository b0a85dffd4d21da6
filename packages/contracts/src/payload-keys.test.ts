import { describe, expect, it } from "vitest";
import { payloadKeys } from "./payload-keys.ts";

describe("payloadKeys", () => {
  it("reads pnrId, tripId and version from a PNR_V3 payload", () => {
    expect(payloadKeys("PNR_V3", { pnrId: "P1", tripId: "T1", version: 7 })).toMatchObject({
      pnrId: "P1",
      tripId: "T1",
      version: 7,
    });
  });

  it("reads the organisation from audience.organizationId given as a string", () => {
    const keys = payloadKeys("PNR_V3", { pnrId: "P1", audience: { organizationId: "ORG-1" } });
    expect(keys.organizationId).toBe("ORG-1");
  });

  it("reads the organisation from audience.organizationId given as an {id} object", () => {
    const keys = payloadKeys("PNR_V3", {
      pnrId: "P1",
      audience: { organizationId: { id: "ORG-2" } },
    });
    expect(keys.organizationId).toBe("ORG-2");
  });

  it("falls back to organization when there is no audience", () => {
    expect(payloadKeys("AGENT_TASK_DETAILS", { organization: "ORG-3" }).organizationId).toBe(
      "ORG-3",
    );
    expect(
      payloadKeys("AGENT_TASK_DETAILS", { organization: { id: "ORG-4", name: "Acme" } })
        .organizationId,
    ).toBe("ORG-4");
  });

  it("falls back to businessInfo.companyId when neither audience nor organization is there", () => {
    const keys = payloadKeys("TRAVELER_V2", {
      id: "U1",
      businessInfo: { companyId: { id: "C1" } },
    });
    expect(keys.organizationId).toBe("C1");
  });

  it("prefers audience.organizationId over the fallbacks", () => {
    const keys = payloadKeys("PNR_V3", {
      audience: { organizationId: "ORG-A" },
      organization: "ORG-B",
      businessInfo: { companyId: "ORG-C" },
    });
    expect(keys.organizationId).toBe("ORG-A");
  });

  it("moves on to a fallback when audience.organizationId is unusable", () => {
    const keys = payloadKeys("PNR_V3", {
      audience: { organizationId: 12 },
      organization: { id: "ORG-B" },
    });
    expect(keys.organizationId).toBe("ORG-B");
  });

  it.each([
    ["PNR_V3", { pnrId: "P1", tripId: "T1", id: "X" }, "P1"],
    ["PNR_APPROVAL", { pnrId: "P1", approvalId: "A1" }, "A1"],
    ["PNR_APPROVAL", { pnrId: "P1" }, "P1"],
    ["TRIP_DETAILS_V3", { pnrId: "P1", tripId: "T1" }, "T1"],
    ["AGENT_TASK_DETAILS", { id: "TASK-1", pnrId: "P1" }, "TASK-1"],
    ["TRAVELER_V2", { id: "USER-1" }, "USER-1"],
    ["SERVICE_CHARGE", { id: "FEE-1", pnrId: "P1" }, "FEE-1"],
    ["SOMETHING_NEW", { pnrId: "P9" }, "P9"],
  ])("derives the entity id of a %s payload %j as %s", (eventType, payload, expected) => {
    expect(payloadKeys(eventType, payload).entityId).toBe(expected);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "PNR-1"],
    ["a number", 42],
    ["an array", [{ pnrId: "P1" }]],
  ])("returns {} without throwing for a payload that is %s", (_label, garbage) => {
    expect(payloadKeys("PNR_V3", garbage)).toStrictEqual({});
  });

  it("drops fields of the wrong type instead of throwing", () => {
    const keys = payloadKeys("PNR_V3", {
      pnrId: 42,
      tripId: ["T"],
      version: "7",
      audience: "ORG",
      businessInfo: 5,
    });
    expect(keys).toEqual({});
  });

  it("ignores a non-integer version", () => {
    expect(payloadKeys("PNR_V3", { pnrId: "P1", version: 1.5 }).version).toBeUndefined();
  });
});
