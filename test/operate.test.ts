import {
  bookingCreated,
  createCatalog,
  defaultCatalog,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import {
  createDeadLetterWriter,
  createOperatorContext,
  deadLetterJobId,
  inspectKept,
  readLedger,
  replayJobId,
  replayKept,
  webhookJobId,
} from "@skyhook/queue-kit";
import {
  cancelledFlightEnvelope,
  createSendingNode,
  envelope,
  pnrPayload,
} from "@skyhook/spotnana-sender";
import { loadWorkerConfig } from "@skyhook/worker";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker, testLogger } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function operatorFor(prefix: string, env: Record<string, string> = {}) {
  const redis = connect();
  const settings = loadWorkerConfig({ QUEUE_PREFIX: prefix, RETRY_ATTEMPTS: "2", ...env }).jobs;
  const operator = await createOperatorContext({
    redis,
    prefix,
    catalog: defaultCatalog,
    settings,
    logger: testLogger([]),
  });
  cleanups.push(async () => {
    await operator.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const ledger = async () =>
    readLedger(redis, operator.keys, operator.queues, await operator.queueNames());
  return { redis, operator, ledger };
}

describe("replaying dead letters once the cause is fixed", () => {
  it("finds them by filter, reports a dry run without moving, replays each once, and the ledger balances", async () => {
    const prefix = uniquePrefix("replay");
    let receiverUp = false;
    const downstream = await startDownstream(() => (receiverUp ? 200 : 500));
    const ingress = await startIngress({
      QUEUE_PREFIX: prefix,
      RETRY_ATTEMPTS: "2",
      RETRY_BACKOFF_MS: "10",
    });
    const worker = startWorker({ QUEUE_PREFIX: prefix, NOTIFY_URL: downstream.url });
    cleanups.push(async () => {
      await worker.close();
      await ingress.close();
      await downstream.close();
    });
    const { operator, ledger } = await operatorFor(prefix);
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });

    const pnrs = ["PNR-R1", "PNR-R2", "PNR-R3", "PNR-R4"];
    for (const pnrId of pnrs)
      expect((await client.deliver(cancelledFlightEnvelope(pnrId))).status).toBe(200);
    expect((await client.deliver(envelope("BOOKING_CREATED", pnrPayload()))).status).toBe(200);

    const deadLetters = () =>
      inspectKept(operator, { location: ["dead-letter"], operation: "FLIGHT_CANCELLED" });
    await waitFor("four dead letters", async () =>
      (await deadLetters()).length === 4 ? true : undefined,
    );
    const [one] = await inspectKept(operator, { pnrId: "PNR-R2" });
    expect(one?.location).toBe("dead-letter");
    expect(one?.why).toMatch(
      /retries-exhausted: DownstreamError: notification endpoint answered 500/,
    );
    expect(
      await inspectKept(operator, { errorText: "answered 500", subscription: "spotnana" }),
    ).toHaveLength(4);
    expect(await inspectKept(operator, { errorText: "no such text" })).toHaveLength(0);
    expect(await inspectKept(operator, { until: new Date(Date.now() - 3_600_000) })).toHaveLength(
      0,
    );

    const dryRun = await replayKept(
      operator,
      { location: ["dead-letter"] },
      {
        dryRun: true,
        ratePerSec: 1000,
        actor: "test",
      },
    );
    expect(dryRun.matched).toBe(4);
    expect(dryRun.moved).toEqual({ [cancelled.queue]: 4 });
    expect(await deadLetters(), "a dry run moves nothing").toHaveLength(4);

    receiverUp = true;
    const replayed = await replayKept(
      operator,
      { location: ["dead-letter"] },
      {
        dryRun: false,
        ratePerSec: 1000,
        actor: "test",
      },
    );
    expect(replayed.moved).toEqual({ [cancelled.queue]: 4 });
    await waitFor("every replayed notice sent", () =>
      downstream.received.filter((r) => r.headers["idempotency-key"] !== undefined).length >= 4 &&
      pnrs.every((p) =>
        downstream.received.some(
          (r) => (r.body as { pnrId?: string }).pnrId === p && downstream.requestCount() > 8,
        ),
      )
        ? true
        : undefined,
    );
    await waitFor("the ledger balanced", async () =>
      (await ledger()).balanced ? true : undefined,
    );

    const again = await replayKept(
      operator,
      { location: ["dead-letter"] },
      {
        dryRun: false,
        ratePerSec: 1000,
        actor: "test",
      },
    );
    expect(again.matched, "replaying twice applies once").toBe(0);
    const report = await ledger();
    const queue = report.queues.find((q) => q.queue === cancelled.queue);
    expect(queue).toMatchObject({ expected: 4, completed: 4, deadLettered: 0, difference: 0 });
    const audit = await operator.redis.xlen(operator.keys.audit());
    expect(audit).toBe(3);
  });
});

describe("a replay cut short and run again", () => {
  it("does not apply an event twice, even after its replayed job finished and was removed", async () => {
    const prefix = uniquePrefix("replay-again");
    // Retention removes a completed job at once here, as it does hours later in production.
    const retention = { RETAIN_COMPLETED_COUNT: "0" };
    const { operator, ledger } = await operatorFor(prefix, retention);
    const event = {
      v: 1 as const,
      deliveryId: "msg-again",
      deliveryIdSource: "webhook-id" as const,
      subscription: "spotnana",
      receivedAt: new Date().toISOString(),
      eventType: "PNR_V3",
      operation: "FLIGHT_CANCELLED",
      keys: { pnrId: "PNR-AGAIN", version: 1 },
      trace: { requestId: "req-again" },
      envelope: cancelledFlightEnvelope("PNR-AGAIN"),
    };
    const main = operator.queues.get(cancelled.queue);
    const jobId = webhookJobId(event.deliveryId);
    const original = await main.add("PNR_V3.FLIGHT_CANCELLED", event, { jobId });
    const letters = createDeadLetterWriter({ queues: operator.queues });
    const from = { queue: cancelled.queue, deadLetterQueue: cancelled.deadLetter };
    await letters.write(original, from, "retries-exhausted", "Error: boom");
    // A dead-lettered job sits in BullMQ's failed set; here it simply leaves the queue.
    await original.remove();
    const replay = () =>
      replayKept(
        operator,
        { jobId: deadLetterJobId(jobId) },
        { dryRun: false, ratePerSec: 1000, actor: "test" },
      );

    const worker = startWorker({ QUEUE_PREFIX: prefix, ...retention });
    try {
      expect((await replay()).moved).toEqual({ [cancelled.queue]: 1 });
      const completed = async () =>
        (await ledger()).queues.find((q) => q.queue === cancelled.queue)?.completed;
      await waitFor("the replayed job completed", async () =>
        (await completed()) === 1 ? true : undefined,
      );
      await waitFor("and removed by retention", async () =>
        (await main.getJob(replayJobId(jobId))) === undefined ? true : undefined,
      );
    } finally {
      await worker.close();
    }
    // The same dead letter reappears, as when a replay crashed between adding the job and
    // removing the dead letter; running the replay again must not bring the event back.
    await letters.write(original, from, "retries-exhausted", "Error: boom");
    await replay();
    expect(await main.getJob(replayJobId(jobId)), "deduplicated, not added again").toBeUndefined();
  });
});

describe("a handler that comes up adopts its backlog", () => {
  it("moves the catch-all events of its operation to its queue once, and the ingress then routes there without a restart", async () => {
    const prefix = uniquePrefix("adopt");
    // An ingress deployed before FLIGHT_CANCELLED had a handler: its catalog lacks it.
    const ingress = await startIngress(
      { QUEUE_PREFIX: prefix, ROUTES_REFRESH_MS: "200" },
      undefined,
      { catalog: createCatalog([bookingCreated]) },
    );
    cleanups.push(() => ingress.close());
    const { operator, redis, ledger } = await operatorFor(prefix);
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const early = ["PNR-A1", "PNR-A2", "PNR-A3"].map((pnrId) => cancelledFlightEnvelope(pnrId));
    const answers = [];
    for (const body of early)
      answers.push(await jsonOf(await client.deliver(body), DeliveryAnswer));
    const kept = await inspectKept(operator, { location: ["catch-all"] });
    expect(kept.map((k) => k.pnrId).sort()).toEqual(["PNR-A1", "PNR-A2", "PNR-A3"]);

    const worker = startWorker({ QUEUE_PREFIX: prefix, ADOPT_INTERVAL_MS: "1000" });
    cleanups.push(() => worker.close());
    const projection = (pnrId: string) => redis.get(projectionKeyOf(prefix, pnrId));
    await waitFor("the backlog handled", async () =>
      (await Promise.all(["PNR-A1", "PNR-A2", "PNR-A3"].map(projection))).every((p) => p !== null)
        ? true
        : undefined,
    );
    expect(await inspectKept(operator, { location: ["catch-all"] })).toHaveLength(0);

    // Within ROUTES_REFRESH_MS the ingress routes the pair to the new queue by itself.
    await waitFor("the ingress routing to the announced queue", async () => {
      const response = await client.deliver(cancelledFlightEnvelope(`PNR-LIVE-${Date.now()}`));
      const { jobId } = await jsonOf(response, DeliveryAnswer);
      return (await operator.queues.get(cancelled.queue).getJob(jobId)) !== undefined
        ? true
        : undefined;
    });

    const resent = await client.deliver(early[0]);
    expect(await resent.json(), "a re-send of an adopted delivery").toMatchObject({
      status: "duplicate",
      jobId: answers[0]?.jobId,
    });
    // Deliveries made before the ingress re-read the routes went to the catch-all; the
    // periodic adoption pass takes them over too.
    await waitFor(
      "the catch-all empty and the ledger balanced",
      async () => {
        const empty = (await inspectKept(operator, { location: ["catch-all"] })).length === 0;
        return empty && (await ledger()).balanced ? true : undefined;
      },
      20_000,
    );
    const report = await ledger();
    expect(report.queues.find((q) => q.queue === unroutedQueueNames.queue)).toMatchObject({
      expected: 0,
      difference: 0,
    });
    const movedIn = report.rows
      .filter((r) => r.queue === cancelled.queue)
      .reduce((n, r) => n + r.moved_in, 0);
    expect(
      movedIn,
      "the three early events, plus any sent before the ingress re-read routes",
    ).toBeGreaterThanOrEqual(3);
    expect(report.queues.find((q) => q.queue === created.queue)?.difference).toBe(0);
  });
});
