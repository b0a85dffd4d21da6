import { describe, expect, it } from "vitest";
import { createRedactor, defaultRedactedFields } from "./redaction.ts";

const redact = createRedactor(defaultRedactedFields);

/** A PNR_V3 payload shaped like Spotnana's PnrData, personal data at several depths. */
function pnr() {
  return {
    pnrId: "PNR-1",
    tripId: "TRIP-1",
    version: 3,
    audience: { organizationId: { id: "ORG-42" } },
    pnrTravelers: [
      {
        userId: { id: "USER-1" },
        personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10" },
        loyalties: [{ id: "BA-123456", type: "AIR" }],
        businessInfo: { employeeId: "E-7", department: { id: "D-1" } },
      },
    ],
    airPnr: {
      legs: [
        {
          flights: [
            {
              origin: "SFO",
              destination: "JFK",
              marketing: { airlineCode: "UA", num: "100" },
              departureDateTime: { iso8601: "2026-12-01T10:00:00" },
              flightStatus: "CANCELLED",
            },
          ],
        },
      ],
    },
    paymentInfo: [{ card: { number: "4111111111111111", cvv: "123" } }],
    bookingHistory: [{ bookerInfo: { email: "booker@example.com", role: "AGENT" } }],
  };
}

describe("createRedactor", () => {
  it("redacts personal data at any depth, inside arrays too", () => {
    const out = redact({ envelope: { payload: pnr() } });
    expect(out).toMatchObject({
      envelope: {
        payload: {
          pnrTravelers: [{ personalInfo: "[redacted]", loyalties: "[redacted]" }],
          paymentInfo: "[redacted]",
          bookingHistory: [{ bookerInfo: { email: "[redacted]", role: "AGENT" } }],
        },
      },
    });
    const text = JSON.stringify(out);
    for (const secret of ["Lovelace", "1815-12-10", "4111", "BA-123456", "booker@example.com"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("keeps flight data and identifiers an operator needs", () => {
    const out = redact(pnr());
    expect(out).toMatchObject({
      pnrId: "PNR-1",
      tripId: "TRIP-1",
      version: 3,
      audience: { organizationId: { id: "ORG-42" } },
      pnrTravelers: [{ userId: { id: "USER-1" }, businessInfo: { employeeId: "E-7" } }],
      airPnr: pnr().airPnr,
    });
  });

  it("returns a copy and leaves its input untouched", () => {
    const input = pnr();
    const before = structuredClone(input);
    const out = redact(input);
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect((out as { airPnr: unknown }).airPnr).not.toBe(input.airPnr);
  });

  it("matches field names case-insensitively", () => {
    expect(redact({ PERSONALINFO: { x: 1 }, Email: "a@b.c", DoB: "2000-01-01" })).toEqual({
      PERSONALINFO: "[redacted]",
      Email: "[redacted]",
      DoB: "[redacted]",
    });
  });

  it("replaces a reference back to an ancestor instead of looping, and copies shared values", () => {
    const shared = { origin: "SFO" };
    const node: Record<string, unknown> = { id: "N", a: shared, b: shared, email: "x@y.z" };
    node.self = node;
    node.list = [node, shared];
    expect(redact(node)).toEqual({
      id: "N",
      a: { origin: "SFO" },
      b: { origin: "SFO" },
      email: "[redacted]",
      self: "[circular]",
      list: ["[circular]", { origin: "SFO" }],
    });
  });

  it("uses a custom list instead of the defaults", () => {
    const custom = createRedactor(["seatNumber"]);
    expect(custom({ seatNumber: "12A", email: "a@b.c" })).toEqual({
      seatNumber: "[redacted]",
      email: "a@b.c",
    });
  });

  it("passes primitives, nulls and non-plain objects through, and never sets a prototype", () => {
    const error = new Error("boom");
    const parsed = JSON.parse('{"__proto__":{"email":"a@b.c"},"dob":null}') as unknown;
    const out = redact({ err: error, when: parsed }) as { err: unknown; when: object };
    expect(out.err).toBe(error);
    expect(Object.getPrototypeOf(out.when)).toBe(Object.prototype);
    expect(JSON.stringify(out.when)).toBe('{"__proto__":{"email":"[redacted]"},"dob":null}');
    expect(redact("Lovelace")).toBe("Lovelace");
    expect(redact(null)).toBeNull();
  });

  it("redacts every traveller of a 1 MB payload", () => {
    const payload = pnr();
    const template = payload.pnrTravelers[0];
    const flights = payload.airPnr.legs;
    while (JSON.stringify(payload).length < 1_000_000) {
      if (template !== undefined) payload.pnrTravelers.push(structuredClone(template));
      flights.push(structuredClone(pnr().airPnr.legs[0] ?? { flights: [] }));
    }
    // Its cost is measured by bench/measure-redaction-cost.ts, not by a timed test.
    const out = redact(JSON.parse(JSON.stringify(payload)) as unknown);
    expect(JSON.stringify(out)).not.toContain("Lovelace");
  });
});
