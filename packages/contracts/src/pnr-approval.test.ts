import { describe, expect, it } from "vitest";
import { PnrApprovalPayload } from "./pnr-approval.ts";

const approval = {
  pnrId: "1234567890",
  tripId: "6926658168",
  approvalId: "f49d00fe-1eda-4304-ba79-a980f565281d",
  appliedApprovalType: "SOFT_APPROVAL",
  deadline: { iso8601: "2026-03-02T17:32Z" },
  approvers: [{ userId: { id: "4974a66b-7493-4f41-908c-58ba81093947" }, name: "Grace Hopper" }],
};

function issuePaths(value: unknown): PropertyKey[][] {
  const result = PnrApprovalPayload.safeParse(value);
  if (result.success) throw new Error("expected the payload to be rejected");
  return result.error.issues.map((issue) => issue.path);
}

describe("PnrApprovalPayload", () => {
  it("parses a soft approval request", () => {
    const parsed = PnrApprovalPayload.parse(approval);
    expect(parsed.approvalId).toBe(approval.approvalId);
    expect(parsed.appliedApprovalType).toBe("SOFT_APPROVAL");
    expect(parsed.approvers).toHaveLength(1);
  });

  it("accepts a deadline given as an ISO string and approvers given as bare ids", () => {
    const parsed = PnrApprovalPayload.parse({
      ...approval,
      deadline: "2026-03-02T17:32:00Z",
      approvers: ["U1", "U2"],
    });
    expect(parsed.deadline).toBe("2026-03-02T17:32:00Z");
    expect(parsed.approvers).toEqual(["U1", "U2"]);
  });

  it("accepts an approval type it does not know yet", () => {
    const parsed = PnrApprovalPayload.parse({ ...approval, appliedApprovalType: "DUAL_APPROVAL" });
    expect(parsed.appliedApprovalType).toBe("DUAL_APPROVAL");
  });

  it("keeps unknown fields at the top level and inside nested objects", () => {
    const parsed = PnrApprovalPayload.parse({
      ...approval,
      approvalStatus: "APPROVAL_PENDING",
      deadline: { iso8601: "2026-03-02T17:32Z", timezone: "Europe/Berlin" },
    });
    expect(parsed).toMatchObject({
      approvalStatus: "APPROVAL_PENDING",
      deadline: { timezone: "Europe/Berlin" },
      approvers: [{ name: "Grace Hopper" }],
    });
  });

  it.each(["pnrId", "approvalId"] as const)("rejects a payload without %s, naming it", (field) => {
    const { [field]: _dropped, ...rest } = approval;
    expect(issuePaths(rest)).toEqual([[field]]);
  });

  it("rejects approvers that is not a list, naming approvers", () => {
    expect(issuePaths({ ...approval, approvers: "U1" })).toEqual([["approvers"]]);
  });
});
