// What sampling contract drift costs per sampled event: the CPU time of walking a payload against
// its schema (`undeclaredPaths`), and of walk + the one script call that records it, on both the
// worker's side and Redis's. Run:
//   node --import tsx bench/measure-drift-cost.ts
// Single-threaded, against a redis-server of its own: read it as an order of magnitude. With
// DRIFT_SAMPLE_RATE=0.1, an event costs a tenth of a sampled one on average.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookingCreated, undeclaredPaths } from "@skyhook/contracts";
import { createDriftRecorder, keyNames } from "@skyhook/queue-kit";
import { pnrPayload } from "@skyhook/spotnana-sender";
import { Redis } from "ioredis";
import { startRedisServer } from "./redis-server.ts";

/** The sample PNR (2 legs, 1 traveler), plus two fields the schema does not declare. */
const typical = { ...pnrPayload(), loyaltyProgram: { tier: "GOLD" } };
for (const leg of typical.airPnr.legs)
  for (const flight of leg.flights) Object.assign(flight, { seatMap: { rows: 30 } });

/** A large PNR: 40 legs and 12 travelers, each flight with an undeclared seat map. */
const large = structuredClone(typical);
while (large.airPnr.legs.length < 40)
  large.airPnr.legs.push(...structuredClone(typical.airPnr.legs));
while (large.pnrTravelers.length < 12)
  large.pnrTravelers.push(...structuredClone(typical.pnrTravelers));

/** A hostile payload: 200,000 legs; the walk stops at its node budget. */
const hostile = {
  ...typical,
  airPnr: { legs: Array.from({ length: 200_000 }, () => ({ flights: [{ x: 1 }] })) },
};

const schema = bookingCreated.payload;
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function walkUs(payload: unknown, runs: number): number {
  for (let i = 0; i < Math.min(runs, 1_000); i++) undeclaredPaths(schema, payload);
  const started = cpuUs();
  for (let i = 0; i < runs; i++) undeclaredPaths(schema, payload);
  return (cpuUs() - started) / runs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rounds = 5;
const walks = {
  typical: median(Array.from({ length: rounds }, () => walkUs(typical, 20_000))),
  large: median(Array.from({ length: rounds }, () => walkUs(large, 2_000))),
  hostile: median(Array.from({ length: rounds }, () => walkUs(hostile, 200))),
};

/** Walk + record, as the worker does it after a run, against a private Redis. */
async function recorded(runs: number) {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-drift-bench-"));
  const server = await startRedisServer("drift", dir);
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const recorder = createDriftRecorder(redis, keyNames("bench"));
  const serverCpuSec = async () => {
    const info = await redis.info("cpu");
    const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return field("used_cpu_user") + field("used_cpu_sys");
  };
  const pair = { eventType: "PNR_V3", operation: "BOOKING_CREATED" };
  try {
    for (let i = 0; i < 1_000; i++)
      await recorder.record(pair, undeclaredPaths(schema, typical), `warm-${i}`);
    const serverBefore = await serverCpuSec();
    const started = cpuUs();
    // As in the worker: many jobs in flight, each sample its own call (ioredis pipelines
    // what is written in one turn of the event loop).
    const inFlight = 10;
    for (let i = 0; i < runs; i += inFlight) {
      await Promise.all(
        Array.from({ length: inFlight }, (_, j) =>
          recorder.record(pair, undeclaredPaths(schema, typical), `msg-${i + j}`),
        ),
      );
    }
    const clientUs = (cpuUs() - started) / runs;
    const serverUs = (((await serverCpuSec()) - serverBefore) * 1e6) / runs;
    return { clientUs, serverUs };
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const perSample = await recorded(20_000);
const round = (us: number) => Number(us.toFixed(1));
console.log(
  JSON.stringify(
    {
      walkUs: {
        typical: round(walks.typical),
        large: round(walks.large),
        hostile: round(walks.hostile),
      },
      payloadBytes: {
        typical: JSON.stringify(typical).length,
        large: JSON.stringify(large).length,
        hostile: JSON.stringify(hostile).length,
      },
      sampledEventUs: { worker: round(perSample.clientUs), redis: round(perSample.serverUs) },
      perEventAtDefaultRateUs: {
        worker: round(perSample.clientUs * 0.1),
        redis: round(perSample.serverUs * 0.1),
      },
    },
    null,
    2,
  ),
);
