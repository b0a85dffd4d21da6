import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import fc from "fast-check";
import { printable, utf8 } from "./generators.ts";

/* Bodies several families send: valid envelopes, hostile routing values, random bytes. */

export const fixedTimestamp = "2026-03-01T12:00:00Z";

export const validEnvelope = fc
  .record({
    pnrId: fc.uuid().map((u) => `PNR-${u}`),
    operation: fc.constantFrom(
      "BOOKING_CREATED",
      "BOOKING_CREATED",
      "FLIGHT_CANCELLED",
      "FLIGHT_CANCELED",
      "BOOKING_OTHER_UPDATE",
      " booking_created ",
    ),
    eventType: fc.constantFrom("PNR_V3", "PNR_V3", "pnr_v3", "TRAVELER_V2", "TRIP_DETAILS_V3"),
  })
  .map(({ pnrId, operation, eventType }) => ({
    ...envelope(operation, pnrPayload({ pnrId }), eventType),
    timestamp: fixedTimestamp,
  }));

export const routingValue = fc.oneof(
  fc.constantFrom<unknown>(
    "",
    " ",
    "PNR_V3",
    "pnr_v3",
    "BOOKING_CREATED",
    "FLIGHT_CANCELED",
    "x".repeat(128),
    "x".repeat(129),
    "__proto__",
    "constructor",
    "toString",
    "a:b",
    "{unrouted}",
    "pnr-v3.booking-created",
    "../..",
    "\u0000",
    "\ud800",
    "💥",
    0,
    -1,
    1e308,
    null,
    true,
    [],
    {},
    ["PNR_V3"],
    { id: "PNR_V3" },
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

export const randomBody = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }).map((a) => Buffer.from(a)),
  printable(512).map(utf8),
  fc.string({ unit: "binary", maxLength: 256 }).map(utf8),
  fc.jsonValue({ maxDepth: 5 }).map((v) => utf8(JSON.stringify(v) ?? "null")),
  fc
    .record(
      {
        event_type: routingValue,
        eventType: routingValue,
        operation: routingValue,
        timestamp: fc.oneof(fc.jsonValue({ maxDepth: 1 }), routingValue),
        payload: fc.oneof(fc.object({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })),
        operationSummary: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => utf8(JSON.stringify(v) ?? "null")),
  fc
    .constantFrom(
      "",
      "null",
      "{}",
      "[]",
      '""',
      "0",
      "true",
      '{"payload":{}}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED"}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":[]}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":null}',
      '{"__proto__":{"event_type":"PNR_V3"},"operation":"X","payload":{}}',
    )
    .map(utf8),
);
