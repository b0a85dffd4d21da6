import { describe, expect, it } from "vitest";
import { CommonEnv, ConfigError, loadConfig } from "./load-config.ts";
import { defaultRedactedFields } from "./redaction.ts";

const redactFields = (value: string | undefined) =>
  loadConfig(CommonEnv, value === undefined ? {} : { REDACT_FIELDS: value }).REDACT_FIELDS;

function problemsOf(value: string): readonly string[] {
  try {
    redactFields(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected REDACT_FIELDS to be refused");
}

describe("REDACT_FIELDS", () => {
  it.each([undefined, "", "  "])("uses the default list when set to %j", (value) => {
    expect(redactFields(value)).toEqual(defaultRedactedFields);
  });

  it("adds to the defaults when the value starts with +", () => {
    const fields = redactFields("+seatNumber, ticketNumber");
    expect(fields).toEqual([...defaultRedactedFields, "seatNumber", "ticketNumber"]);
  });

  it("replaces the defaults when the value has no leading +", () => {
    expect(redactFields("email, seatNumber")).toEqual(["email", "seatNumber"]);
  });

  it("lists a name once, whatever its case", () => {
    expect(redactFields("+EMAIL,seatNumber,SeatNumber")).toEqual([
      ...defaultRedactedFields,
      "seatNumber",
    ]);
  });

  it("refuses paths and wildcards, naming the variable", () => {
    const problems = problemsOf("+traveler.email,*");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^REDACT_FIELDS: "traveler\.email" is not a field name/);
    expect(problems[1]).toMatch(/^REDACT_FIELDS: "\*" is not a field name/);
  });

  it("refuses a replacement that lists no names rather than turning redaction off", () => {
    expect(problemsOf(",")).toEqual(["REDACT_FIELDS: lists no field names"]);
  });
});
