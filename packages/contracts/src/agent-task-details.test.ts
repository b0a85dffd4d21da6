import { describe, expect, it } from "vitest";
import { AgentTaskDetailsPayload } from "./agent-task-details.ts";

/** Shaped after the sample in Spotnana's AGENT_TASK_DETAILS OpenAPI page. */
const task = {
  id: "065c77fa-900c-11ec-9eeb-0242ac170003",
  taskType: "TAW - Tickets to print",
  priority: "MEDIUM",
  status: "ACTIVE",
  organization: { id: "ORG-1", name: "Acme" },
  contractingTmc: { id: "TMC-1" },
  sourcePnrId: "WIBAPI",
  tripId: "065c77fa-900c-11ec-9eeb-0242ac170003",
  source: "SABRE",
  pnrId: "9199471293",
  description: "Approval timed out",
  createdAt: { iso8601: "2026-01-05T09:30:00Z" },
};

function issuePaths(value: unknown): PropertyKey[][] {
  const result = AgentTaskDetailsPayload.safeParse(value);
  if (result.success) throw new Error("expected the payload to be rejected");
  return result.error.issues.map((issue) => issue.path);
}

describe("AgentTaskDetailsPayload", () => {
  it("parses an agent task", () => {
    const parsed = AgentTaskDetailsPayload.parse(task);
    expect(parsed.id).toBe(task.id);
    expect(parsed.pnrId).toBe("9199471293");
    expect(parsed.contractingTmc).toEqual({ id: "TMC-1" });
    expect(parsed.createdAt).toEqual({ iso8601: "2026-01-05T09:30:00Z" });
  });

  it("accepts the empty placeholder objects of Spotnana's own sample", () => {
    const parsed = AgentTaskDetailsPayload.parse({
      ...task,
      organization: {},
      contractingTmc: {},
      createdAt: {},
    });
    expect(parsed.organization).toEqual({});
  });

  it("accepts organization and contractingTmc given as bare ids", () => {
    const parsed = AgentTaskDetailsPayload.parse({
      ...task,
      organization: "ORG-1",
      contractingTmc: "TMC-1",
    });
    expect(parsed.organization).toBe("ORG-1");
    expect(parsed.contractingTmc).toBe("TMC-1");
  });

  it("keeps unknown fields at the top level and inside nested objects", () => {
    const parsed = AgentTaskDetailsPayload.parse({
      ...task,
      events: [{ kind: "NOTE" }],
      organization: { id: "ORG-1", name: "Acme", region: "EU" },
    });
    expect(parsed).toMatchObject({
      taskType: "TAW - Tickets to print",
      events: [{ kind: "NOTE" }],
      organization: { name: "Acme", region: "EU" },
    });
  });

  it("rejects a payload without id, naming id", () => {
    const { id: _id, ...withoutId } = task;
    expect(issuePaths(withoutId)).toEqual([["id"]]);
  });

  it("rejects a createdAt that is neither a time string, number nor object", () => {
    expect(issuePaths({ ...task, createdAt: true })).toEqual([["createdAt"]]);
  });
});
