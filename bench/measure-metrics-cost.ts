// What counting costs the ingress per delivery: the CPU time of one OutcomeSink.record() with
// the metrics observer, against the same sink without it. Run:
//   node --import tsx bench/measure-metrics-cost.ts
// Single-threaded and in-process; compare the two figures of one run, not runs with each other.
import { createMetrics, createOutcomeSink, type Outcome } from "@skyhook/queue-kit";
import { createLogger } from "@skyhook/service-kit";

const logger = createLogger({ name: "measure", level: "silent", redactFields: [] });
const subscriptions = ["acme", "globex", "tmc-wide"];
const mix: Outcome[] = [
  ...subscriptions.map(
    (subscription): Outcome => ({
      kind: "delivery",
      outcome: "accepted",
      subscription,
      reason: "-",
      eventType: "PNR_V3",
      operation: "BOOKING_CREATED",
      queue: "{pnr-v3.booking-created}",
      enqueueSec: 0.0012,
    }),
  ),
  { kind: "delivery", outcome: "duplicate", subscription: "acme", reason: "-", enqueueSec: 0.0009 },
  { kind: "delivery", outcome: "filtered", subscription: "acme", reason: "event-type" },
  { kind: "delivery", outcome: "unauthorized", subscription: "-", reason: "unauthorized" },
  { kind: "delivery", outcome: "invalid", subscription: "globex", reason: "invalid_envelope" },
  { kind: "token", outcome: "issued" },
];

function microsPerRecord(record: (o: Outcome) => void, calls: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) record(mix[i % mix.length] as Outcome);
  return Number(process.hrtime.bigint() - started) / 1e3 / calls;
}

const calls = 1_000_000;
const bare = createOutcomeSink(logger);
const metrics = createMetrics({
  subscriptions,
  reasons: ["unauthorized", "invalid_envelope", "event-type"],
  processMetrics: false,
});
const counted = createOutcomeSink(logger, [metrics.observer]);

// Warm both paths up (JIT), then alternate rounds so drift in a noisy machine hits both.
microsPerRecord((o) => bare.record(o), 200_000);
microsPerRecord((o) => counted.record(o), 200_000);
const rounds = 5;
const results = { without: [] as number[], with: [] as number[] };
for (let round = 0; round < rounds; round++) {
  results.without.push(microsPerRecord((o) => bare.record(o), calls));
  results.with.push(microsPerRecord((o) => counted.record(o), calls));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const withoutUs = median(results.without);
const withUs = median(results.with);
console.log(
  JSON.stringify(
    {
      callsPerRound: calls,
      rounds,
      usPerRecordWithoutMetrics: Number(withoutUs.toFixed(4)),
      usPerRecordWithMetrics: Number(withUs.toFixed(4)),
      metricsCostUsPerDelivery: Number((withUs - withoutUs).toFixed(4)),
      labelSets: (await metrics.registry.getMetricsAsJSON())
        .filter((m) => m.name === "skyhook_deliveries_total")
        .map((m) => m.values.length)[0],
    },
    null,
    2,
  ),
);
