import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queueNamesFor, type StaleEventJob } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import { staleJobId } from "@skyhook/queue-kit";
import {
  createSendingNode,
  defaultFlights,
  envelope,
  newSigningSecret,
  pnrPayload,
  segmentId,
  signedHeaders,
} from "@skyhook/spotnana-sender";
import { installedHandlers, type WorkerDeps } from "@skyhook/worker";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const [outbound, inbound] = defaultFlights as [
  (typeof defaultFlights)[0],
  (typeof defaultFlights)[0],
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A small seeded generator, so a failing shuffle can be replayed. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type HandlerCall = { pnrId: string; version: number; phase: "start" | "end" };

/**
 * The installed handlers, each call logged at its start and end. Each call is held open a
 * little so that two runs on one PNR would overlap if the entity lock let them both in.
 */
function loggedHandlers(log: HandlerCall[]): Handler<WorkerDeps>[] {
  return installedHandlers.map((handler) => ({
    ...handler,
    async handle(event, ctx) {
      const call = { pnrId: String(event.keys.pnrId), version: Number(event.keys.version) };
      log.push({ ...call, phase: "start" });
      await new Promise((resolve) => setTimeout(resolve, 15));
      try {
        await handler.handle(event, ctx);
      } finally {
        log.push({ ...call, phase: "end" });
      }
    },
  }));
}

/** Per PNR: calls never overlap, and each applies a newer version than the one before. */
function serialisedPerPnr(log: readonly HandlerCall[]): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const pnrId of new Set(log.map((call) => call.pnrId))) {
    const calls = log.filter((call) => call.pnrId === pnrId);
    const found: string[] = [];
    let running: number | undefined;
    let applied = 0;
    for (const call of calls) {
      if (call.phase === "start") {
        if (running !== undefined) found.push(`v${call.version} started while v${running} ran`);
        if (call.version <= applied) found.push(`v${call.version} handled after v${applied}`);
        running = call.version;
      } else {
        applied = Math.max(applied, call.version);
        running = undefined;
      }
    }
    if (found.length > 0) problems[pnrId] = found;
  }
  return problems;
}

async function environment(options: {
  workers: number;
  ingressEnv?: Record<string, string>;
  now?: () => Date;
  handlers?: readonly Handler<WorkerDeps>[];
}) {
  const prefix = uniquePrefix("order");
  const redis = connect();
  const downstream = await startDownstream();
  const ingress = await startIngress({ QUEUE_PREFIX: prefix, ...options.ingressEnv }, options.now);
  const workers = Array.from({ length: options.workers }, () =>
    startWorker(
      {
        QUEUE_PREFIX: prefix,
        WORKER_CONCURRENCY: "4",
        NOTIFY_URL: downstream.url,
        ENTITY_BUSY_DELAY_MS: "5",
      },
      options.handlers === undefined ? {} : { handlers: options.handlers },
    ),
  );
  const queues = [
    created.queue,
    created.stale,
    cancelled.queue,
    cancelled.stale,
    created.deadLetter,
    cancelled.deadLetter,
  ].map((name) => new Queue(name, { connection: redis, prefix }));
  cleanups.push(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await ingress.close();
    await downstream.close();
    await Promise.all(queues.map((q) => q.close()));
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const [createdQ, createdStale, cancelledQ, cancelledStale, createdDead, cancelledDead] =
    queues as [Queue, Queue, Queue, Queue, Queue, Queue];
  const projection = async (pnrId: string) => {
    const raw = await redis.get(projectionKeyOf(prefix, pnrId));
    return raw === null
      ? undefined
      : (JSON.parse(raw) as {
          version: number;
          totalFare: { amount: number };
          cancelledSegmentIds: string[];
        });
  };
  return {
    prefix,
    redis,
    ingress,
    downstream,
    createdQ,
    createdStale,
    cancelledQ,
    cancelledStale,
    createdDead,
    cancelledDead,
    projection,
  };
}

/** Version k of a PNR: its fare is 100 + k; from version 5 on, the outbound flight is cancelled. */
function versionOf(pnrId: string, version: number) {
  const flights = version >= 5 ? [{ ...outbound, cancelled: true }, inbound] : [outbound, inbound];
  const payload = {
    ...pnrPayload({ pnrId, version, flights }),
    totalFare: { amount: 100 + version, currencyCode: "USD" },
  };
  return envelope(version === 5 ? "FLIGHT_CANCELLED" : "BOOKING_CREATED", payload);
}

describe("per-entity ordering", () => {
  it("ends every PNR at its newest version when a shuffled stream is handled by two concurrent workers", async () => {
    const calls: HandlerCall[] = [];
    const env = await environment({ workers: 2, handlers: loggedHandlers(calls) });
    const client = createSendingNode({
      url: env.ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const pnrs = ["PNR-A", "PNR-B", "PNR-C", "PNR-D"];
    const newest = 15;
    const deliveries = pnrs.flatMap((pnrId) =>
      Array.from({ length: newest }, (_, i) => versionOf(pnrId, i + 1)),
    );
    const random = seededRandom(Number(process.env.ORDERING_SEED ?? 20_261_127));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [
        deliveries[j] as (typeof deliveries)[0],
        deliveries[i] as (typeof deliveries)[0],
      ];
    }
    for (let i = 0; i < deliveries.length; i += 10) {
      const statuses = await Promise.all(
        deliveries.slice(i, i + 10).map((d) => client.deliver(d).then((r) => r.status)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    }

    await waitFor(
      "every event completed",
      async () => {
        const done =
          (await env.createdQ.getCompletedCount()) + (await env.cancelledQ.getCompletedCount());
        return done === deliveries.length ? done : undefined;
      },
      60_000,
      100,
    );
    for (const pnrId of pnrs) {
      const record = await env.projection(pnrId);
      expect(record?.version).toBe(newest);
      expect(record?.totalFare.amount).toBe(100 + newest);
      expect(record?.cancelledSegmentIds).toEqual([segmentId(outbound)]);
    }
    const kept = [
      ...(await env.createdStale.getWaiting(0, -1)),
      ...(await env.cancelledStale.getWaiting(0, -1)),
    ];
    for (const job of kept) {
      const { stale } = job.data as StaleEventJob;
      expect(stale.order.version).toBeLessThan(stale.newest.version ?? 0);
    }
    expect(await env.createdDead.count()).toBe(0);
    expect(await env.cancelledDead.count()).toBe(0);
    // The booking store refuses older versions by itself, so the projection alone cannot show
    // the entity guard at work: the handler calls can. None overlaps another of its PNR, none
    // runs an older version after a newer one was applied, and the stale ones were skipped.
    expect(serialisedPerPnr(calls)).toEqual({});
    expect(calls.filter((c) => c.phase === "start").length + kept.length).toBe(deliveries.length);
    const notified = new Set(
      calls.filter((c) => c.phase === "start" && c.version === 5).map((c) => c.pnrId),
    );
    expect(env.downstream.requestCount()).toBe(notified.size);
    // A job whose PNR was busy is put back without spending an attempt: had it failed instead,
    // its retry would reach the same end state, and only its attempt count would show it.
    const completed = [
      ...(await env.createdQ.getCompleted(0, -1)),
      ...(await env.cancelledQ.getCompleted(0, -1)),
    ];
    expect(completed).toHaveLength(deliveries.length);
    expect(completed.filter((job) => job.attemptsMade > 1).map((job) => job.id)).toEqual([]);
  }, 90_000);

  it("keeps an event older than the applied state as skipped-stale, without applying or notifying it", async () => {
    const env = await environment({ workers: 1 });
    const client = createSendingNode({
      url: env.ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const pnrId = "PNR-LATE";
    const newer = await client.deliver(versionOf(pnrId, 7));
    await env.createdQ.getJob((await jsonOf(newer, DeliveryAnswer)).jobId);
    await waitFor("v7 applied", async () =>
      (await env.projection(pnrId))?.version === 7 ? true : undefined,
    );

    const late = await client.deliver(versionOf(pnrId, 5));
    expect(late.status).toBe(200);
    const { jobId } = await jsonOf(late, DeliveryAnswer);
    const kept = await waitFor(
      "the stale copy",
      async () => (await env.cancelledStale.getJob(staleJobId(jobId))) ?? undefined,
    );
    const stale = (kept.data as StaleEventJob).stale;
    expect(stale).toMatchObject({
      queue: cancelled.queue,
      jobId,
      order: { entity: `pnr:${pnrId}`, version: 5 },
      newest: { version: 7 },
    });
    expect((kept.data as StaleEventJob).event.envelope.payload).toEqual(
      versionOf(pnrId, 5).payload,
    );
    await waitFor("the stale job completed", async () =>
      (await env.cancelledQ.getJobState(jobId)) === "completed" ? true : undefined,
    );
    expect((await env.projection(pnrId))?.version).toBe(7);
    expect(env.downstream.requestCount()).toBe(0);
  });
});

describe("duplicates days apart", () => {
  it("applies a delivery re-sent three days later only once (simulated clock, HMAC timestamps)", async () => {
    let clock = Date.parse("2026-11-20T09:00:00Z");
    const secret = newSigningSecret();
    const dir = mkdtempSync(join(tmpdir(), "skyhook-order-"));
    const file = join(dir, "subscriptions.json");
    writeFileSync(file, JSON.stringify([{ name: "spotnana", signingSecrets: [secret] }]));
    const env = await environment({
      workers: 1,
      ingressEnv: { SUBSCRIPTIONS_FILE: file },
      now: () => new Date(clock),
    });

    const body = JSON.stringify(versionOf("PNR-RESENT", 5));
    const send = () =>
      fetch(`${env.ingress.baseUrl}/webhooks/spotnana/spotnana`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signedHeaders(secret, body, {
            id: "msg_days_apart",
            timestampSec: Math.floor(clock / 1000),
          }),
        },
        body,
      });
    const first = await send();
    expect(first.status).toBe(200);
    const { jobId } = await jsonOf(first, DeliveryAnswer);
    await waitFor("first delivery handled", async () =>
      (await env.cancelledQ.getJobState(jobId)) === "completed" ? true : undefined,
    );
    expect(env.downstream.requestCount()).toBe(1);
    // BullMQ's deduplication key of the job id.
    const deduplication = env.cancelledQ.toKey(`de:${jobId}`);
    expect(await env.redis.pttl(deduplication)).toBeGreaterThan(13 * 86_400_000);

    clock += 3 * 86_400_000;
    const again = await send();
    expect(again.status).toBe(200);
    expect(await env.cancelledQ.getJobCounts("completed", "waiting", "active", "delayed")).toEqual({
      completed: 1,
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    expect(env.downstream.requestCount()).toBe(1);
  });
});
