import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { queueNamesFor } from "@skyhook/contracts";
import {
  createSendingNode,
  defaultFlights,
  envelope,
  pnrPayload,
  type SendingNode,
} from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { Notice } from "./support/downstream.ts";
import { devClient, startIngress } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf, parseJsonAs } from "./support/json-body.ts";
import { type AppProcess, spawnApp } from "./support/processes.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/*
 * Issue 17: a partner's system goes down for longer than the whole old retry schedule while
 * events keep arriving, then comes back. Time-scaled: the old schedule is 8 attempts with a
 * 100 ms base (about 20 s in all), the outage 30 s, the downstream's Retry-After 2 s. The
 * worker is a real process; the notifier calls a real HTTP server that answers 503 while down.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const [outbound] = defaultFlights as [(typeof defaultFlights)[0]];
const retryAfterSec = 2;

type Call = { atMs: number; key: string; status: number };

/** The partner's notification endpoint: 503 + Retry-After while down, 200 while up, 400 for one PNR. */
async function partnerSystem() {
  let down = false;
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { pnrId } = parseJsonAs(Buffer.concat(chunks), Notice, "a notice");
      const status = pnrId.startsWith("PNR-REFUSED") ? 400 : down ? 503 : 200;
      calls.push({ atMs: Date.now(), key: keyOf(req.headers), status });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (status === 503) headers["retry-after"] = String(retryAfterSec);
      res.writeHead(status, headers).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    calls,
    setDown(value: boolean) {
      down = value;
    },
  };
}

const keyOf = (headers: IncomingHttpHeaders) => String(headers["idempotency-key"] ?? "");

async function environment() {
  const prefix = uniquePrefix("outage");
  const redis = connect();
  const partner = await partnerSystem();
  const queues = [cancelled, created].map(
    (names) => new Queue(names.queue, { connection: redis, prefix }),
  );
  const deadLetters = new Queue(cancelled.deadLetter, { connection: redis, prefix });
  cleanups.push(async () => {
    await Promise.all([...queues, deadLetters].map((q) => q.close()));
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  // The old schedule, scaled: 8 attempts from a 100 ms base.
  const jobs = { QUEUE_PREFIX: prefix, RETRY_ATTEMPTS: "8", RETRY_BACKOFF_MS: "100" };
  const ingress = await startIngress(jobs);
  cleanups.push(() => ingress.close());
  const client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
  const startWorker = async () => {
    const worker = spawnApp("worker", {
      ...jobs,
      REDIS_URL: sharedRedisUrl,
      NOTIFY_URL: partner.url,
      NOTIFY_TIMEOUT_MS: "2000",
      DOWNSTREAM_HOLD_MS: "2000",
      BREAKER_MAX_HOLD_MS: "2000",
      BREAKER_REFRESH_MS: "200",
      SHUTDOWN_TIMEOUT_MS: "1000",
    });
    cleanups.push(() => worker.stop("SIGKILL"));
    await worker.waitForLog(
      "the worker consuming",
      (l) => l.msg === "consuming" && l.queue === cancelled.queue,
    );
    return worker;
  };
  const cli = (args: string[]) =>
    runCliInProcess(args, { REDIS_URL: sharedRedisUrl, QUEUE_PREFIX: prefix });
  return { prefix, partner, client, startWorker, cli, deadLetters, completed: queues };
}

let sequence = 0;
async function cancel(client: SendingNode, pnrId = `PNR-OUT-${++sequence}`) {
  const payload = pnrPayload({ pnrId, version: 2, flights: [{ ...outbound, cancelled: true }] });
  const response = await client.deliver(envelope("FLIGHT_CANCELLED", payload));
  expect(response.status).toBe(200);
  const { deliveryId } = await jsonOf(response, DeliveryAnswer);
  return deliveryId;
}

async function book(client: SendingNode) {
  const payload = pnrPayload({ pnrId: `PNR-BOOK-${++sequence}`, version: 1 });
  expect((await client.deliver(envelope("BOOKING_CREATED", payload))).status).toBe(200);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a downstream down for longer than the old retry schedule", () => {
  it("dead-letters nothing, asks the down system about once per Retry-After, keeps the other operation flowing, and delivers every notice once within a minute of recovery", async () => {
    const env = await environment();
    await env.startWorker();
    env.partner.setDown(true);
    const outageStartedMs = Date.now();
    const sent: string[] = [];
    let booked = 0;
    while (Date.now() - outageStartedMs < 30_000) {
      sent.push(await cancel(env.client));
      await book(env.client);
      booked += 1;
      await sleep(250);
    }
    const [, bookings] = env.completed as [Queue, Queue];
    const bookedDuringOutage = await bookings.getCompletedCount();
    env.partner.setDown(false);
    const recoveredMs = Date.now();
    const outageMs = recoveredMs - outageStartedMs;

    const delivered = () =>
      new Set(env.partner.calls.filter((c) => c.status === 200).map((c) => c.key));
    await waitFor(
      "every notice delivered",
      () => (delivered().size === sent.length ? true : undefined),
      60_000,
      200,
    );
    const lastNoticeAfterMs = Math.max(...env.partner.calls.map((c) => c.atMs)) - recoveredMs;
    const askedWhileDown = env.partner.calls.filter((c) => c.status === 503).length;
    const okCalls = env.partner.calls.filter((c) => c.status === 200);
    console.log(
      JSON.stringify({
        outageMs,
        events: sent.length,
        askedWhileDown,
        windows: outageMs / (retryAfterSec * 1000),
        lastNoticeAfterMs,
        bookedDuringOutage,
        deadLetters: await env.deadLetters.count(),
      }),
    );

    expect(await env.deadLetters.count()).toBe(0);
    // Once per Retry-After window (plus the first asks before the breaker opened), not per job.
    expect(askedWhileDown).toBeLessThanOrEqual(outageMs / (retryAfterSec * 1000) + 5);
    expect(askedWhileDown).toBeLessThan(sent.length);
    // Every idempotency key delivered once: a repeat would be a notice sent twice.
    expect(okCalls.length).toBe(sent.length);
    expect(lastNoticeAfterMs).toBeLessThan(60_000);
    expect(bookedDuringOutage).toBe(booked);
    // Holding spends no attempt: every notice's job completed on its first attempt (BullMQ
    // counts the successful one too).
    const [notices] = env.completed as [Queue, Queue];
    const finished = await waitFor(
      "every notice's job completed",
      async () => {
        const jobs = await notices.getJobs(["completed"], 0, sent.length);
        return jobs.length === sent.length ? jobs : undefined;
      },
      10_000,
    );
    expect(finished.filter((job) => job.attemptsMade !== 1).map((job) => job.id)).toEqual([]);
    const ledger = await env.cli(["ledger", "--json"]);
    expect(ledger.code, ledger.out).toBe(0);
    // The journal tells the on-call engineer what the outage did: events held, none dead-lettered.
    const journaled = async (outcome: string) => {
      const found = await env.cli(["events", "--outcome", outcome, "--limit", "1000", "--json"]);
      return (JSON.parse(found.out) as { count: number }).count;
    };
    expect(await journaled("held")).toBeGreaterThan(0);
    expect(await journaled("dead-lettered")).toBe(0);
    expect(await journaled("applied")).toBe(sent.length + booked);
  }, 180_000);

  it("holds a paused operation across a worker restart, counts it held, and sends once resumed", async () => {
    const env = await environment();
    const worker = await env.startWorker();
    const paused = await env.cli(["pause", "FLIGHT_CANCELLED", "--reason", "vendor maintenance"]);
    expect(paused.code, paused.err).toBe(0);
    await worker.stop("SIGTERM");
    const restarted: AppProcess = await env.startWorker();
    for (let i = 0; i < 3; i++) await cancel(env.client);
    await sleep(2_000);
    expect(env.partner.calls).toEqual([]);
    const status = await env.cli(["status", "--json"]);
    const held = (
      JSON.parse(status.out) as Array<{ queue: string; held: boolean; waiting: number }>
    ).find((s) => s.queue === cancelled.queue);
    expect(held).toMatchObject({ held: true, waiting: 3 });
    const ledger = await env.cli(["ledger", "--json"]);
    const balance = (JSON.parse(ledger.out) as { queues: Array<{ queue: string; held: number }> })
      .queues;
    expect(balance.find((q) => q.queue === cancelled.queue)?.held).toBe(3);

    expect((await env.cli(["resume", "FLIGHT_CANCELLED"])).code).toBe(0);
    await waitFor(
      "the three notices",
      () => (env.partner.calls.length === 3 ? true : undefined),
      20_000,
    );
    expect(restarted.child.exitCode).toBeNull();
  }, 60_000);

  it("still dead-letters a permanent error at once", async () => {
    const env = await environment();
    await env.startWorker();
    await cancel(env.client, "PNR-REFUSED-1");
    const letter = await waitFor(
      "the dead letter",
      async () => (await env.deadLetters.getJobs(["waiting"]))[0],
      20_000,
    );
    expect(letter.data).toMatchObject({
      failure: { reason: "permanent-error", attemptsMade: 0 },
    });
    expect(env.partner.calls).toHaveLength(1);
  }, 60_000);
});
