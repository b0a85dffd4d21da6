import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { payloadKeys } from "./payload-keys.ts";

/**
 * The zod schema payloadKeys was first written with: the plain checks that replaced it (for
 * speed) must give the same keys for every payload.
 */
function payloadKeysBySchema(eventType: string, payload: unknown) {
  const IdLike = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]);
  const idOf = (value: unknown) => {
    const parsed = IdLike.safeParse(value);
    if (!parsed.success) return undefined;
    return typeof parsed.data === "string" ? parsed.data : parsed.data.id;
  };
  const KeySource = z.looseObject({
    pnrId: z.string().optional().catch(undefined),
    tripId: z.string().optional().catch(undefined),
    approvalId: z.string().optional().catch(undefined),
    id: z.string().optional().catch(undefined),
    version: z.number().int().optional().catch(undefined),
    audience: z
      .looseObject({
        organizationId: z.unknown().optional(),
        contractingTmcId: z.unknown().optional(),
        bookingTmcId: z.unknown().optional(),
      })
      .optional()
      .catch(undefined),
    contractingTmc: z.unknown().optional(),
    bookingTmc: z.unknown().optional(),
    organization: z.unknown().optional(),
    businessInfo: z.looseObject({ companyId: z.unknown().optional() }).optional().catch(undefined),
  });
  const parsed = KeySource.safeParse(payload);
  if (!parsed.success) return {};
  const p = parsed.data;
  const entity: Record<string, string | undefined> = {
    PNR_V3: p.pnrId,
    PNR_APPROVAL: p.approvalId ?? p.pnrId,
    TRIP_DETAILS_V3: p.tripId,
    AGENT_TASK_DETAILS: p.id,
    TRAVELER_V2: p.id,
  };
  return {
    pnrId: p.pnrId,
    tripId: p.tripId,
    version: p.version,
    organizationId:
      idOf(p.audience?.organizationId) ?? idOf(p.organization) ?? idOf(p.businessInfo?.companyId),
    contractingTmcId: idOf(p.audience?.contractingTmcId) ?? idOf(p.contractingTmc),
    bookingTmcId: idOf(p.audience?.bookingTmcId) ?? idOf(p.bookingTmc),
    entityId: eventType in entity ? entity[eventType] : (p.id ?? p.pnrId),
  };
}

/** A small seeded generator (mulberry32), so a failing case replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const leaves: unknown[] = [
  "",
  "X-1",
  "__proto__",
  0,
  -0,
  7,
  1.5,
  -3,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  1e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  null,
  undefined,
  [],
  ["P1"],
  {},
  { id: "" },
  { id: "ID-1" },
  { id: 5 },
  { id: ["ID-2"] },
  { id: { id: "ID-3" } },
  new Date(0),
];
const fieldNames = [
  "pnrId",
  "tripId",
  "approvalId",
  "id",
  "version",
  "organization",
  "contractingTmc",
  "bookingTmc",
  "audience",
  "businessInfo",
  "unrelated",
];
const eventTypes = [
  "PNR_V3",
  "PNR_APPROVAL",
  "TRIP_DETAILS_V3",
  "AGENT_TASK_DETAILS",
  "TRAVELER_V2",
  "SERVICE_CHARGE",
];

function randomPayload(next: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  if (next() < 0.05) return pick(leaves);
  const payload: Record<string, unknown> = next() < 0.1 ? Object.create(null) : {};
  for (const name of fieldNames) {
    if (next() < 0.4) continue;
    if ((name === "audience" || name === "businessInfo") && next() < 0.7) {
      const inner: Record<string, unknown> = {};
      for (const key of ["organizationId", "contractingTmcId", "bookingTmcId", "companyId"])
        if (next() < 0.6) inner[key] = pick(leaves);
      payload[name] = inner;
    } else {
      payload[name] = pick(leaves);
    }
  }
  if (next() < 0.1)
    Object.defineProperty(payload, "__proto__", { value: { pnrId: "P-proto" }, enumerable: true });
  return payload;
}

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

  it("gives the keys the original zod schema gives, for 5,000 generated payloads", () => {
    const next = random(20_260_301);
    const differing: unknown[] = [];
    for (let i = 0; i < 5_000 && differing.length < 3; i++) {
      const eventType = eventTypes[i % eventTypes.length] ?? "PNR_V3";
      const payload = randomPayload(next);
      const [fast, bySchema] = [
        payloadKeys(eventType, payload),
        payloadKeysBySchema(eventType, payload),
      ];
      if (!isDeepStrictEqual(fast, bySchema))
        differing.push({ eventType, payload, fast, bySchema });
    }
    expect(differing).toEqual([]);
  });
});
