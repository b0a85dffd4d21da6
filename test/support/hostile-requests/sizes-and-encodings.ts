import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import fc from "fast-check";
import { fixedTimestamp } from "./bodies.ts";
import { auth } from "./credentials.ts";
import { anyEncoding } from "./encodings.ts";
import { contentType, pathPlan, utf8 } from "./generators.ts";
import type { EncodingPlan, Plan } from "./plan.ts";
import { noExtraHeaders, planOf } from "./plan-of.ts";

/** A valid envelope padded to exactly `bytes` (or cut, below its natural size). */
function sizedEnvelope(pnrId: string, bytes: number): Buffer {
  const base = { ...envelope("BOOKING_CREATED", pnrPayload({ pnrId })), timestamp: fixedTimestamp };
  const empty = JSON.stringify({ ...base, padding: "" });
  if (bytes <= empty.length) return utf8(empty.slice(0, bytes));
  return utf8(JSON.stringify({ ...base, padding: "x".repeat(bytes - empty.length) }));
}

const sizedBody = (limitBytes: number) =>
  fc
    .record({
      pnrId: fc.uuid().map((u) => `PNR-${u}`),
      bytes: fc.oneof(
        fc.integer({ min: limitBytes - 3, max: limitBytes + 3 }),
        fc.integer({ min: 0, max: limitBytes * 3 }),
        fc.constantFrom(0, 1, 2, limitBytes * 10),
      ),
    })
    .map(({ pnrId, bytes }) => sizedEnvelope(pnrId, bytes));

/** A small compressed body that inflates far beyond the limit; built once per encoding. */
const bombs = new Map<string, Buffer>();
function bombPlain(limitBytes: number): Buffer {
  const key = `plain-${limitBytes}`;
  const cached = bombs.get(key);
  if (cached !== undefined) return cached;
  const spaces = " ".repeat(limitBytes * 32);
  const plain = utf8(`{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":{}${spaces}}`);
  bombs.set(key, plain);
  return plain;
}

/** (d) sizes around and above the limit, and bodies that inflate beyond it. */
export const sizesAndEncodings = (limitBytes: number): fc.Arbitrary<Plan> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: planOf({
        family: "size",
        method: fc.constant("POST"),
        path: pathPlan,
        plain: sizedBody(limitBytes),
        encoding: anyEncoding,
        auth: auth(70),
        contentType,
        extraHeaders: noExtraHeaders,
      }),
    },
    {
      weight: 1,
      arbitrary: planOf({
        family: "bomb",
        method: fc.constant("POST"),
        path: pathPlan,
        plain: fc.constant(bombPlain(limitBytes)),
        encoding: fc.constantFrom<EncodingPlan>(
          { header: "gzip", transform: "gzip", at: 0 },
          { header: "deflate", transform: "deflate", at: 0 },
          { header: "br", transform: "br", at: 0 },
        ),
        auth: auth(70),
        contentType,
        extraHeaders: noExtraHeaders,
      }),
    },
  );
