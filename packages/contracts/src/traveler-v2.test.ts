import { describe, expect, it } from "vitest";
import { TravelerV2Payload } from "./traveler-v2.ts";

const traveler = {
  id: "4974a66b-7493-4f41-908c-58ba81093947",
  externalId: "EMP-00412",
  isActive: true,
  persona: "EMPLOYEE",
  businessInfo: {
    companyId: { id: "f49d00fe-1eda-4304-ba79-a980f565281d" },
    legalEntity: { id: "LE-1", name: "Acme GmbH" },
    office: { id: "OFF-9", name: "Berlin" },
    department: { id: "D-3", name: "Sales" },
    employeeId: "00412",
    workerType: "EMPLOYEE",
  },
};

function issuePaths(value: unknown): PropertyKey[][] {
  const result = TravelerV2Payload.safeParse(value);
  if (result.success) throw new Error("expected the payload to be rejected");
  return result.error.issues.map((issue) => issue.path);
}

describe("TravelerV2Payload", () => {
  it("parses a traveler profile with its business info", () => {
    const parsed = TravelerV2Payload.parse(traveler);
    expect(parsed.id).toBe(traveler.id);
    expect(parsed.isActive).toBe(true);
    expect(parsed.businessInfo?.companyId).toEqual({ id: "f49d00fe-1eda-4304-ba79-a980f565281d" });
  });

  it("parses a profile that carries only its id", () => {
    expect(TravelerV2Payload.parse({ id: "U1" })).toEqual({ id: "U1" });
  });

  it("accepts businessInfo.companyId given as a bare id", () => {
    const parsed = TravelerV2Payload.parse({ id: "U1", businessInfo: { companyId: "C1" } });
    expect(parsed.businessInfo?.companyId).toBe("C1");
  });

  it("keeps unknown fields at the top level and inside nested objects", () => {
    const parsed = TravelerV2Payload.parse({
      ...traveler,
      personalInfo: { name: { given: "Ada" } },
      businessInfo: {
        ...traveler.businessInfo,
        accountingCode: "AC-7",
        companyId: { id: "C1", name: "Acme" },
      },
    });
    expect(parsed).toMatchObject({
      personalInfo: { name: { given: "Ada" } },
      businessInfo: { accountingCode: "AC-7", companyId: { id: "C1", name: "Acme" } },
    });
  });

  it("rejects a payload without id, naming id", () => {
    const { id: _id, ...withoutId } = traveler;
    expect(issuePaths(withoutId)).toEqual([["id"]]);
  });

  it("rejects a blank id, naming id", () => {
    expect(issuePaths({ ...traveler, id: "" })).toEqual([["id"]]);
  });

  it("rejects an isActive that is not a boolean, naming isActive", () => {
    expect(issuePaths({ ...traveler, isActive: "yes" })).toEqual([["isActive"]]);
  });
});
