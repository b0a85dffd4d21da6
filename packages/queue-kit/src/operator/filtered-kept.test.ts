import {
  createCatalog,
  defaultCatalog,
  type EventJob,
  type FilteredEventJob,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { prefixedRedis } from "../../../../test/support/redis.ts";
import { filteredJobId, replayJobId, webhookJobId } from "../job-ids.ts";
import { keyNames } from "../keys.ts";
import { createLedger } from "../ledger.ts";
import { createQueuePool } from "../queue-pool.ts";
import { inspectKept, type OperatorContext, purgeKept, replayKept } from "./operations.ts";

/**
 * A delivery a subscription filter dropped is kept in its route's `.filtered` queue, outside
 * the ledger's balance (it was never accepted). Replaying it counts it `moved_in` where it lands
 * and nothing anywhere else; purging it counts nothing.
 */
const rig = prefixedRedis();
const { redis } = rig;
const logger = pino({ level: "silent" });
afterAll(rig.cleanUp);

const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");
const eventOf = (operation: string, pnrId: string): EventJob => ({
  v: 1,
  deliveryId: `msg-${pnrId}`,
  deliveryIdSource: "webhook-id",
  subscription: "tmc",
  receivedAt: "2026-12-01T12:00:00.000Z",
  eventType: "PNR_V3",
  operation,
  keys: { pnrId },
  trace: { requestId: `req-${pnrId}` },
  envelope: { event_type: "PNR_V3", operation, payload: { pnrId } },
});

async function setup() {
  const prefix = rig.prefix("filtered");
  const keys = keyNames(prefix);
  const queues = createQueuePool({ connection: redis, prefix, logger });
  const operator: OperatorContext = {
    redis,
    keys,
    queues,
    ledger: createLedger(redis, keys),
    router: defaultCatalog,
    settings: { dedupTtlSec: 600 },
    logger,
    queueNames: async () => [created, unroutedQueueNames],
  };
  /**
   * Keeps `event` as the ingress's filtered path does, in `filteredIn`, under the filtered id
   * of the job it would have had; returns that job's id.
   */
  const keep = async (event: EventJob, filteredIn: string, queue: string) => {
    const jobId = webhookJobId(event.deliveryId);
    const kept: FilteredEventJob = {
      v: 1,
      event,
      filtered: { reason: "operation-excluded", queue, jobId, filteredAt: event.receivedAt },
    };
    await queues.get(filteredIn).add("filtered", kept, { jobId: filteredJobId(jobId) });
    return jobId;
  };
  const ledgerOf = (queue: string) => redis.hgetall(keys.ledger(queue));
  return { prefix, keys, queues, operator, keep, ledgerOf };
}

describe("filtered deliveries as kept events", () => {
  it("are listed only when asked for by name, with the filter's reason", async () => {
    const t = await setup();
    const jobId = await t.keep(eventOf("BOOKING_CREATED", "P1"), created.filtered, created.queue);
    expect(await inspectKept(t.operator, {})).toEqual([]);
    const listed = await inspectKept(t.operator, { location: ["filtered"] });
    expect(listed).toMatchObject([
      {
        location: "filtered",
        heldIn: created.filtered,
        jobId: filteredJobId(jobId),
        eventJobId: jobId,
        operation: "BOOKING_CREATED",
        pnrId: "P1",
        keptAt: "2026-12-01T12:00:00.000Z",
        why: "filtered: operation-excluded",
      },
    ]);
  });

  it("replay into their operation's queue as rp1-…, counted moved_in there and nowhere else", async () => {
    const t = await setup();
    const jobId = await t.keep(eventOf("BOOKING_CREATED", "P2"), created.filtered, created.queue);
    const filter = { location: ["filtered" as const] };
    const dry = await replayKept(t.operator, filter, {
      dryRun: true,
      ratePerSec: 1_000,
      actor: "t",
    });
    expect(dry.moved).toEqual({ [created.queue]: 1 });
    expect(await t.queues.get(created.filtered).getJob(filteredJobId(jobId))).toBeDefined();

    const report = await replayKept(t.operator, filter, {
      dryRun: false,
      ratePerSec: 1_000,
      actor: "t",
    });
    expect(report.moved).toEqual({ [created.queue]: 1 });
    const landed = await t.queues.get(created.queue).getJob(replayJobId(jobId));
    expect(landed?.data).toEqual(eventOf("BOOKING_CREATED", "P2"));
    expect(landed?.opts.deduplication).toEqual({ id: replayJobId(jobId), ttl: 600_000 });
    expect(await t.queues.get(created.filtered).getJob(filteredJobId(jobId))).toBeUndefined();
    expect(await t.ledgerOf(created.queue)).toEqual({ "moved_in|tmc|PNR_V3|BOOKING_CREATED": "1" });
    expect(await t.ledgerOf(created.filtered)).toEqual({});
  });

  it("without a handler, replay into the catch-all, indexed for a handler deployed later", async () => {
    const t = await setup();
    const unrouted = unroutedQueueNames;
    const jobId = await t.keep(eventOf("TICKET_VOIDED", "P3"), unrouted.filtered, unrouted.queue);
    const operator = { ...t.operator, router: createCatalog([]) };
    const report = await replayKept(
      operator,
      { location: ["filtered"] },
      { dryRun: false, ratePerSec: 1_000, actor: "t" },
    );
    expect(report.moved).toEqual({ [unrouted.queue]: 1 });
    expect(report.noHandler).toEqual([]);
    expect(await t.queues.get(unrouted.queue).getJob(replayJobId(jobId))).toBeDefined();
    const index = t.keys.pairIndex(unrouted.queue, "PNR_V3", "TICKET_VOIDED");
    expect(await redis.smembers(index)).toEqual([replayJobId(jobId)]);
    expect(await t.ledgerOf(unrouted.queue)).toEqual({ "moved_in|tmc|PNR_V3|TICKET_VOIDED": "1" });
    expect(await inspectKept(operator, { location: ["catch-all"] })).toMatchObject([
      { jobId: replayJobId(jobId), operation: "TICKET_VOIDED" },
    ]);
  });

  it("are purged without a count in any ledger", async () => {
    const t = await setup();
    const jobId = await t.keep(eventOf("BOOKING_CREATED", "P4"), created.filtered, created.queue);
    expect(await purgeKept(t.operator, { location: ["filtered"] }, { actor: "t" })).toEqual({
      matched: 1,
      purged: 1,
    });
    expect(await t.queues.get(created.filtered).getJob(filteredJobId(jobId))).toBeUndefined();
    expect(await t.ledgerOf(created.queue)).toEqual({});
    expect(await t.ledgerOf(created.filtered)).toEqual({});
  });
});
