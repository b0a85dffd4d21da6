import { payloadSchemaFor } from "@skyhook/contracts";

/** The size of every benchmark event, as the figures were taken (a 2 KB body). */
export const bodyBytes = 2_048;

const marker = "@ID@";
/** Every id is this long, so every body has exactly `bodyBytes` bytes. */
const idLength = 16;

const flight = (n: number, origin: string, destination: string, day: number) => ({
  flightId: `FL-${marker}-${n}`,
  origin,
  destination,
  marketing: { airlineCode: "UA", num: String(100 + n) },
  operating: { airlineCode: "UA", num: String(100 + n) },
  departureDateTime: { iso8601: `2026-12-${String(day).padStart(2, "0")}T10:00:00` },
  arrivalDateTime: { iso8601: `2026-12-${String(day).padStart(2, "0")}T18:25:00` },
  cabin: "ECONOMY",
  bookingCode: "Y",
  flightStatus: "CONFIRMED",
});

/** A BOOKING_CREATED envelope shaped like Spotnana's PnrData, with `marker` where ids go. */
function template(padding: string) {
  return {
    event_type: "PNR_V3",
    operation: "BOOKING_CREATED",
    timestamp: "2026-12-01T10:00:00.000Z",
    payload: {
      pnrId: `PNR-${marker}`,
      tripId: `TRIP-${marker}`,
      version: 1,
      audience: { organizationId: { id: "ORG-42" }, contractingTmcId: { id: "TMC-7" } },
      bookingStatus: "CONFIRMED_STATUS",
      totalFare: { amount: 812.4, currencyCode: "USD" },
      pnrTravelers: [
        {
          userId: { id: `USER-${marker}` },
          personalInfo: {
            name: { given: "Ada", family: "Lovelace" },
            dob: "1815-12-10",
            email: "ada@example.com",
          },
          loyalties: [{ airlineCode: "UA", loyaltyNumber: "MP1234567" }],
        },
      ],
      airPnr: {
        legs: [
          { legId: `LEG-${marker}-1`, flights: [flight(1, "SFO", "JFK", 1)] },
          { legId: `LEG-${marker}-2`, flights: [flight(2, "JFK", "SFO", 5)] },
        ],
      },
      bookingHistory: [
        {
          bookerInfo: { name: "Agent 7", email: "agent7@tmc.example", role: "AGENT" },
          bookingInfo: {
            updatedDateTime: { iso8601: "2026-11-27T10:00:00Z" },
            status: "BOOKED",
            bookingSourceClient: "WEB",
          },
        },
      ],
      remarks: padding,
    },
  };
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

/** A distinct event body of exactly `bodyBytes` bytes: its own PNR, trip, traveler and flights. */
export const eventBody = (id: string): string => parts.join(id);
