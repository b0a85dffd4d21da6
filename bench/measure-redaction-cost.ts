// What redacting a 1 MB PNR payload costs (the logger and the dashboard redact what they show).
// Run: node --import tsx bench/measure-redaction-cost.ts
// Single-threaded and in-process: read it as an order of magnitude, not a benchmark.
import { createRedactor, defaultRedactedFields } from "@skyhook/service-kit";
import { pnrPayload } from "@skyhook/spotnana-sender";

// The sending side's sample PNR, its travelers and legs repeated up to 1 MB.
const payload = pnrPayload();
const travelers = structuredClone(payload.pnrTravelers);
const legs = structuredClone(payload.airPnr.legs);
while (JSON.stringify(payload).length < 1_000_000) {
  payload.pnrTravelers.push(...structuredClone(travelers));
  payload.airPnr.legs.push(...structuredClone(legs));
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
