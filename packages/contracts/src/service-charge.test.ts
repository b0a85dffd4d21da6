import { describe, expect, it } from "vitest";
import { ServiceChargePayload } from "./service-charge.ts";

const charge = {
  entity: {
    pnrId: "1234567890",
    fee: { amount: 25, currencyCode: "USD" },
    feeType: "BOOKING_FEE",
  },
};

function issuePaths(value: unknown): PropertyKey[][] {
  const result = ServiceChargePayload.safeParse(value);
  if (result.success) throw new Error("expected the payload to be rejected");
  return result.error.issues.map((issue) => issue.path);
}

describe("ServiceChargePayload", () => {
  it("parses a service fee and keeps the entity's contents whole", () => {
    expect(ServiceChargePayload.parse(charge)).toEqual(charge);
  });

  it("keeps unknown fields at the top level and inside the entity", () => {
    const parsed = ServiceChargePayload.parse({
      ...charge,
      audience: { organizationId: "ORG-1" },
      entity: { ...charge.entity, invoice: { number: "INV-7" } },
    });
    expect(parsed).toMatchObject({
      audience: { organizationId: "ORG-1" },
      entity: { invoice: { number: "INV-7" } },
    });
  });

  it("rejects a payload without entity, naming entity", () => {
    expect(issuePaths({ fee: 25 })).toEqual([["entity"]]);
  });

  it.each([
    ["a string", "FEE-1"],
    ["a list", [charge.entity]],
    ["null", null],
  ])("rejects an entity that is %s, naming entity", (_label, entity) => {
    expect(issuePaths({ entity })).toEqual([["entity"]]);
  });
});
