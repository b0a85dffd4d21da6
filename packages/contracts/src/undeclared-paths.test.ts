import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EntityRef } from "./entity-ref.ts";
import { FlightCancelledPayload, PnrV3Payload } from "./pnr-v3.ts";
import { defaultDriftLimits, undeclaredPaths } from "./undeclared-paths.ts";

const pnr = (extra: Record<string, unknown> = {}) => ({
  pnrId: "PNR1",
  version: 3,
  pnrTravelers: [{ userId: { id: "U1" } }],
  airPnr: { legs: [{ legId: "L1", flights: [{ flightId: "F1", origin: "SFO" }] }] },
  ...extra,
});

describe("undeclaredPaths", () => {
  it("finds nothing in a payload that carries only declared fields", () => {
    const payload = pnr();
    expect(PnrV3Payload.safeParse(payload).success).toBe(true);
    expect(undeclaredPaths(PnrV3Payload, payload)).toEqual({ paths: [], truncated: false });
  });

  it("reports a field a looseObject lets through but does not declare", () => {
    expect(undeclaredPaths(PnrV3Payload, pnr({ loyaltyTier: "GOLD" })).paths).toEqual([
      "loyaltyTier",
    ]);
  });

  it("names fields inside arrays of objects with [] and reports each path once", () => {
    const payload = pnr({
      airPnr: {
        legs: [
          {
            flights: [
              { flightId: "F1", seatMap: {} },
              { flightId: "F2", seatMap: {} },
            ],
          },
          { flights: [{ flightId: "F3", seatMap: {} }], fareBasis: "Y" },
        ],
      },
    });
    expect(undeclaredPaths(PnrV3Payload, payload).paths.sort()).toEqual([
      "airPnr.legs[].fareBasis",
      "airPnr.legs[].flights[].seatMap",
    ]);
  });

  it("reports an undeclared object once, at its top, without entering it", () => {
    const payload = pnr({ seatAssignment: { row: 12, seat: "A", extras: { meal: "V" } } });
    expect(undeclaredPaths(PnrV3Payload, payload).paths).toEqual(["seatAssignment"]);
  });

  it("looks through optional, nullable and default wrappers", () => {
    const schema = z.looseObject({
      a: z.looseObject({ x: z.string() }).optional(),
      b: z.looseObject({ y: z.string() }).nullable(),
      c: z.array(z.looseObject({ z: z.string() })).default([]),
    });
    const payload = { a: { x: "1", ax: 1 }, b: { y: "2", by: 2 }, c: [{ z: "3", cz: 3 }] };
    expect(undeclaredPaths(schema, payload).paths.sort()).toEqual(["a.ax", "b.by", "c[].cz"]);
    expect(undeclaredPaths(schema, { b: null }).paths).toEqual([]);
  });

  it("judges a union by the option that fits the value best", () => {
    const schema = z.looseObject({ org: EntityRef });
    expect(undeclaredPaths(schema, { org: "ORG1" }).paths).toEqual([]);
    expect(undeclaredPaths(schema, { org: { id: "ORG1", name: "Acme" } }).paths).toEqual([
      "org.name",
    ]);
  });

  it("reports an enum value the schema does not list, with the value", () => {
    const schema = z.looseObject({
      status: z.union([z.enum(["CONFIRMED", "CANCELLED"]), z.string()]).catch("CONFIRMED"),
      kind: z.enum(["AIR", "RAIL"]).catch("AIR"),
    });
    expect(undeclaredPaths(schema, { status: "WAITLISTED", kind: "AIR" }).paths).toEqual([]);
    expect(undeclaredPaths(schema, { status: "CONFIRMED", kind: "HOTEL" }).paths).toEqual([
      "kind=HOTEL",
    ]);
  });

  it("shows neither a key nor an enum value that looks like data rather than a name", () => {
    const schema = z.looseObject({ kind: z.enum(["AIR"]).catch("AIR") });
    const payload = { "jane.doe@example.com": true, kind: "jane doe, seat 12A" };
    expect(undeclaredPaths(schema, payload).paths.sort()).toEqual(["*", "kind=?"]);
  });

  it("treats an object with a catch-all schema, a record and unknown as declaring their keys", () => {
    const schema = z.looseObject({
      tags: z.record(z.string(), z.looseObject({ label: z.string() })),
      extra: z.object({}).catchall(z.number()),
      anything: z.unknown(),
    });
    const payload = {
      tags: { t1: { label: "x", colour: "red" } },
      extra: { n: 1 },
      anything: { deep: { deeper: 1 } },
    };
    expect(undeclaredPaths(schema, payload).paths).toEqual(["tags.*.colour"]);
  });

  it("follows the stricter schema an operation declares (FLIGHT_CANCELLED)", () => {
    const payload = pnr({ airPnr: { legs: [{ flights: [{ delayMinutes: 5 }] }] } });
    expect(undeclaredPaths(FlightCancelledPayload, payload).paths).toEqual([
      "airPnr.legs[].flights[].delayMinutes",
    ]);
  });

  it("stops at the number of paths per event and says so", () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, i]));
    const result = undeclaredPaths(PnrV3Payload, pnr(many));
    expect(result.paths).toHaveLength(defaultDriftLimits.maxPaths);
    expect(result.truncated).toBe(true);
  });

  it("bounds a hostile payload's cost: a huge array is looked at only up to the node budget", () => {
    const legs = Array.from({ length: 200_000 }, () => ({ flights: [{ x: 1 }] }));
    const started = process.hrtime.bigint();
    const result = undeclaredPaths(PnrV3Payload, pnr({ airPnr: { legs } }));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.paths).toEqual(["airPnr.legs[].flights[].x"]);
    expect(result.truncated).toBe(true);
    expect(elapsedMs).toBeLessThan(100);
  });

  it("stops descending a recursive schema at the depth limit", () => {
    type Node = { child?: Node | undefined };
    const NodeSchema: z.ZodType<Node> = z.looseObject({
      child: z.lazy(() => NodeSchema).optional(),
    });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100; i++) deep = { child: deep };
    const result = undeclaredPaths(NodeSchema, deep);
    expect(result.paths).toEqual([]);
    expect(result.truncated).toBe(true);
  });
});
