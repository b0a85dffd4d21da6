import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { EventJob, queueNamesFor } from "@skyhook/contracts";
import {
  createJournalReader,
  createLedger,
  defaultJournalSettings,
  type JournalFields,
  JournalSearch,
  keyNames,
} from "@skyhook/queue-kit";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { Decision, Fate, JobRun } from "./fate.ts";
import { journalFates } from "./journal-observer.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const prefix = `test-journal-fates-${Math.random().toString(16).slice(2, 10)}`;
const keys = keyNames(prefix);
const queue = "{pnr-v3.test-journal}";
const logger = pino({ level: "silent" });

afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length > 0) await redis.del(...found);
  redis.disconnect();
});

const event = EventJob.parse({
  v: 1,
  deliveryId: "msg-1",
  deliveryIdSource: "webhook-id",
  subscription: "spotnana",
  receivedAt: "2026-11-27T10:00:01.000Z",
  eventType: "PNR_V3",
  operation: "TEST_JOURNAL",
  keys: { pnrId: "PNR1", tripId: "T1", version: 2 },
  trace: { requestId: "req-1" },
  envelope: { payload: {} },
});

const run = (data: unknown = event): JobRun => ({
  queue,
  jobId: "wh-msg-1",
  data,
  attempt: 1,
  maxAttempts: 3,
  retryHorizonMs: 3_600_000,
  nextRetryDelayMs: 1_000,
  stalled: false,
  canPutBack: true,
  startedMs: Date.now(),
  span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  context: ROOT_CONTEXT,
});

const decided = (fate: Fate, read: { event: EventJob | undefined } = { event }): Decision => ({
  fate,
  event: read.event,
  hold: undefined,
});

const reader = createJournalReader({
  redis,
  keys,
  queueNames: async () => [queueNamesFor("PNR_V3", "TEST_JOURNAL")],
  settings: defaultJournalSettings,
});

/** The queue's journal as a reader returns it, oldest first. */
async function journal() {
  const page = await reader.search(JournalSearch.parse({ limit: 100 }));
  return page.entries.reverse();
}

describe("journalFates", () => {
  it("journals each fate that became something, with the event's ids and why, and nothing for a busy or interrupted job", async () => {
    const observe = journalFates(createLedger(redis, keys), logger);
    const order = { entity: "pnr:PNR1", version: 1 };
    const fates: Fate[] = [
      { kind: "busy", entity: "pnr:PNR1", delayMs: 100 },
      { kind: "retry", error: new Error("x"), why: "Error: HTTP 500 from the notice receiver" },
      { kind: "interrupted" },
      {
        kind: "held",
        why: "DownstreamUnavailable: HTTP 503 from the notice receiver",
        by: "downstream",
        retryAfterMs: undefined,
      },
      { kind: "stale", event, order, newest: { entity: "pnr:PNR1", version: 2 } },
      { kind: "dead-letter", reason: "permanent-error", error: "PermanentError: HTTP 400" },
      { kind: "applied", event },
    ];
    for (const fate of fates) observe(run(), decided(fate));
    await redis.ping();
    const written = await journal();
    expect(written.map((e) => [e.outcome, e.reason])).toEqual([
      ["retried", "Error: HTTP 500 from the notice receiver"],
      ["held", "DownstreamUnavailable: HTTP 503 from the notice receiver"],
      ["stale", "version 1 is older than applied 2"],
      ["dead-lettered", "permanent-error: PermanentError: HTTP 400"],
      ["applied", undefined],
    ]);
    expect(written[0]).toMatchObject({
      deliveryId: "msg-1",
      jobId: "wh-msg-1",
      subscription: "spotnana",
      eventType: "PNR_V3",
      operation: "TEST_JOURNAL",
      pnrId: "PNR1",
      tripId: "T1",
      version: 2,
    });
  });

  it("journals a dead letter whose job is no event by its job id, and one BullMQ failed by the ids its data still has", async () => {
    await redis.del(keys.journal(queue));
    const observe = journalFates(createLedger(redis, keys), logger);
    const fate: Fate = { kind: "dead-letter", reason: "invalid-job", error: "not an event" };
    observe(run({ nothing: true }), decided(fate, { event: undefined }));
    observe(
      run(event),
      decided({ ...fate, reason: "stalled", error: "stalled" }, { event: undefined }),
    );
    await redis.ping();
    const written = await journal();
    expect(written.map((e) => [e.outcome, e.deliveryId, e.jobId, e.pnrId])).toEqual([
      ["dead-lettered", "", "wh-msg-1", undefined],
      ["dead-lettered", "msg-1", "wh-msg-1", "PNR1"],
    ]);
  });

  it("never throws nor rejects when Redis refuses the entry, and says so once", async () => {
    const lines: string[] = [];
    const logged = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const refusing = {
      journal: (_queue: string, _outcome: string, _fields: JournalFields) =>
        Promise.reject(new Error("READONLY You can't write against a read only replica.")),
    };
    const observe = journalFates(refusing, logged);
    for (let i = 0; i < 3; i++) observe(run(), decided({ kind: "applied", event }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("a journal entry could not be written");
  });
});
