import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { bookingCreated, EventJob, type UndeclaredPaths } from "@skyhook/contracts";
import type { DriftPair, DriftRecorder } from "@skyhook/queue-kit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { sampleDrift } from "./drift-sampler.ts";
import type { Fate, JobRun } from "./fate.ts";

/** The drift observer with plain fates in and a recorder that remembers what it was given. */
const event = EventJob.parse({
  v: 1,
  deliveryId: "msg-1",
  deliveryIdSource: "webhook-id",
  subscription: "spotnana",
  receivedAt: "2026-11-27T10:00:01.000Z",
  eventType: "PNR_V3",
  operation: "BOOKING_CREATED",
  keys: { pnrId: "PNR1" },
  trace: { requestId: "req-1" },
  envelope: { payload: { pnrId: "PNR1", seatMap: { rows: 30 } } },
});
const run: JobRun = {
  queue: bookingCreated.queues.queue,
  jobId: "wh-msg-1",
  data: {},
  attempt: 1,
  maxAttempts: 3,
  retryHorizonMs: 3_600_000,
  nextRetryDelayMs: 1_000,
  stalled: false,
  canPutBack: true,
  startedMs: Date.now(),
  span: trace.wrapSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 }),
  context: ROOT_CONTEXT,
};
const applied: Fate = { kind: "applied", event };

type Recorded = { pair: DriftPair; found: UndeclaredPaths; deliveryId: string };

function observer(options: { rate?: number; random?: () => number; fails?: boolean } = {}) {
  const recorded: Recorded[] = [];
  const warnings: string[] = [];
  const recorder: DriftRecorder = {
    async record(pair, found, deliveryId) {
      if (options.fails === true) throw new Error("Redis is away");
      recorded.push({ pair, found, deliveryId });
    },
  };
  const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });
  const observe = sampleDrift({
    rate: options.rate ?? 1,
    specs: [bookingCreated],
    recorder,
    logger,
    random: options.random ?? (() => 0),
  });
  return { observe, recorded, warnings };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("sampleDrift", () => {
  it("records, after the run, the paths the operation's schema does not declare", async () => {
    const { observe, recorded } = observer();
    observe(run, { fate: applied, event, hold: undefined });
    expect(recorded, "nothing on the job's own path").toEqual([]);
    await settled();
    expect(recorded).toEqual([
      {
        pair: { eventType: "PNR_V3", operation: "BOOKING_CREATED" },
        found: { paths: ["seatMap"], truncated: false },
        deliveryId: "msg-1",
      },
    ]);
  });

  it("samples each event once, where it ends with a payload that passed its schema", async () => {
    const { observe, recorded } = observer();
    const order = { entity: "pnr:PNR1", version: 1 };
    const ending: Fate[] = [
      applied,
      { kind: "stale", event, order, newest: order },
      { kind: "dead-letter", reason: "retries-exhausted", error: "x" },
    ];
    const notYet: Fate[] = [
      { kind: "retry", error: new Error("x"), why: "x" },
      { kind: "busy", entity: "pnr:PNR1", delayMs: 100 },
      { kind: "interrupted" },
      { kind: "dead-letter", reason: "invalid-payload", error: "payload fails" },
      { kind: "applied-before" },
    ];
    for (const fate of [...ending, ...notYet]) observe(run, { fate, event, hold: undefined });
    await settled();
    expect(recorded).toHaveLength(ending.length);
  });

  it("samples the share DRIFT_SAMPLE_RATE asks for", async () => {
    const draws = [0.05, 0.5, 0.09, 0.1, 0.95];
    const { observe, recorded } = observer({ rate: 0.1, random: () => draws.shift() ?? 1 });
    for (let i = 0; i < 5; i++) observe(run, { fate: applied, event, hold: undefined });
    await settled();
    expect(recorded).toHaveLength(2);
  });

  it("logs a write Redis refuses, and the job's fate is untouched", async () => {
    const { observe, warnings } = observer({ fails: true });
    expect(() => observe(run, { fate: applied, event, hold: undefined })).not.toThrow();
    observe(run, { fate: applied, event, hold: undefined });
    await settled();
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? "{}")).toMatchObject({
      msg: "contract drift could not be recorded",
      err: { message: "Redis is away" },
    });
  });
});
