import { payloadSchemaFor } from "@skyhook/contracts";
import { envelope, samplePayload, withBookingHistory } from "@skyhook/spotnana-sender";

/** The size of every benchmark event, as the figures were taken (a 2 KB body). */
const bodyBytes = 2_048;

/** A few entries of booking history, as the PNR of a booking changed a few times has. */
const historyBytes = 600;

const marker = "@ID@";
/** Every id is this long, so every body has exactly `bodyBytes` bytes. */
const idLength = 16;

/**
 * The sending side's BOOKING_CREATED sample with `marker` for its id (its PNR, trip and
 * traveler ids derive from it), a short booking history, and `remarks` to pad it.
 */
function template(padding: string) {
  const sample = samplePayload("PNR_V3", "BOOKING_CREATED", marker);
  const payload = { ...withBookingHistory(sample, historyBytes), remarks: padding };
  return envelope("BOOKING_CREATED", payload, "PNR_V3", new Date(Date.UTC(2026, 11, 1, 10)));
}

const lengthWith = (padding: string) =>
  JSON.stringify(template(padding)).split(marker).join("x".repeat(idLength)).length;

const parts = (() => {
  const short = lengthWith("");
  if (short > bodyBytes) throw new Error(`the event template alone is ${short} bytes`);
  const padding = "Seat 14C requested; vegetarian meal; ".repeat(60).slice(0, bodyBytes - short);
  const filled = template(padding);
  const checked = payloadSchemaFor("PNR_V3", "BOOKING_CREATED")?.safeParse(filled.payload);
  if (checked?.success !== true) throw new Error("the event template fails its payload schema");
  return JSON.stringify(filled).split(marker);
})();

/** Ids of one run: `tag` (up to 6 characters) and a sequence number, always `idLength` long. */
export function eventId(tag: string, seq: number): string {
  return `${tag.slice(0, 6).padEnd(6, "x")}${String(seq).padStart(idLength - 6, "0")}`;
}

/** A distinct event body of exactly `bodyBytes` bytes: its own PNR, trip and traveler. */
export const eventBody = (id: string): string => parts.join(id);
