// What redacting a 1 MB PNR payload costs (the logger and the dashboard redact what they show).
// Run: node --import tsx scripts/measure-redaction-cost.ts
// Single-threaded and in-process: read it as an order of magnitude, not a benchmark.
import { createRedactor, defaultRedactedFields } from "@skyhook/service-kit";

const traveler = {
  userId: { id: "USER-1" },
  personalInfo: { name: { given: "Ada", family: "Lovelace" }, dob: "1815-12-10", email: "a@b.c" },
  loyalties: [{ loyaltyNumber: "123456" }],
};
const leg = {
  flights: [{ origin: "SFO", destination: "JFK", marketing: { airlineCode: "UA", num: "100" } }],
};
const payload = { pnrId: "PNR-1", pnrTravelers: [traveler], airPnr: { legs: [leg] } };
while (JSON.stringify(payload).length < 1_000_000) {
  payload.pnrTravelers.push(structuredClone(traveler));
  payload.airPnr.legs.push(structuredClone(leg));
}
const redact = createRedactor(defaultRedactedFields);
const data = JSON.parse(JSON.stringify(payload)) as unknown;
redact(data);
const runs = 50;
const startedAt = performance.now();
for (let i = 0; i < runs; i++) redact(data);
const perRunMs = (performance.now() - startedAt) / runs;
console.log(
  `redacting a ${JSON.stringify(payload).length} byte payload: ${perRunMs.toFixed(2)} ms`,
);
