import { defaultCatalog, type EventJob, unroutedQueueNames } from "@skyhook/contracts";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { prefixedRedis } from "../../../../test/support/redis.ts";
import { keyNames } from "../keys.ts";
import { createLedger } from "../ledger.ts";
import { createQueuePool } from "../queue-pool.ts";
import { type Holder, toKept } from "./kept-event.ts";
import { type MoveContext, moveEvent } from "./move-event.ts";
import { purgeKept } from "./operations.ts";

const rig = prefixedRedis();
const { redis } = rig;
const logger = pino({ level: "silent" });
afterAll(rig.cleanUp);

const route = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED");
const catchAll: Holder = {
  location: "catch-all",
  heldIn: unroutedQueueNames.queue,
  ledgerQueue: unroutedQueueNames.queue,
};
const event: EventJob = {
  v: 1,
  deliveryId: "msg-1",
  deliveryIdSource: "webhook-id",
  subscription: "tmc",
  receivedAt: "2026-12-01T12:00:00.000Z",
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  keys: { pnrId: "PNR-1" },
  trace: { requestId: "req-1" },
  envelope: { event_type: "PNR_V3", operation: "FLIGHT_CANCELLED", payload: {} },
};

/** One event waiting in the catch-all as `wh-1`, and what moving it to its route needs. */
async function setup() {
  const prefix = rig.prefix("move");
  const keys = keyNames(prefix);
  const queues = createQueuePool({ connection: redis, prefix, logger });
  const ledger = createLedger(redis, keys);
  const ctx: MoveContext = {
    redis,
    keys,
    queues,
    ledger,
    router: { route: () => route },
    settings: { dedupTtlSec: 600 },
  };
  await queues.get(unroutedQueueNames.queue).add("PNR_V3.FLIGHT_CANCELLED", event, {
    jobId: "wh-1",
  });
  const kept = toKept(catchAll, "wh-1", event);
  if (kept === undefined) throw new Error("not a kept event");
  const counted = async (queue: string, counter: string) =>
    Number(await redis.hget(keys.ledger(queue), `${counter}|tmc|PNR_V3|FLIGHT_CANCELLED`));
  return { ctx, kept, queues, ledger, counted };
}

const plan = { kind: "move", route, targetJobId: "wh-1" } as const;

describe("moveEvent", () => {
  it("moves nothing when a trim or a purge counted the event leaving first", async () => {
    const t = await setup();
    await t.ledger.countTrimmed(unroutedQueueNames.queue, unroutedQueueNames.queue, "wh-1", event);
    expect(await moveEvent(t.ctx, t.kept, plan)).toBe(false);
    expect(await t.queues.get(route.queues.queue).getJob("wh-1")).toBeUndefined();
    expect(await t.counted(unroutedQueueNames.queue, "moved_out")).toBe(0);
    expect(await t.counted(route.queues.queue, "moved_in")).toBe(0);
  });

  it("finishes a move cut short after it claimed the event, counting each side once", async () => {
    const t = await setup();
    await t.ledger.countMovedOut(unroutedQueueNames.queue, unroutedQueueNames.queue, "wh-1", event);
    expect(await moveEvent(t.ctx, t.kept, plan)).toBe(true);
    expect(await t.queues.get(route.queues.queue).getJob("wh-1")).toBeDefined();
    expect(await t.queues.get(unroutedQueueNames.queue).getJob("wh-1")).toBeUndefined();
    expect(await t.counted(unroutedQueueNames.queue, "moved_out")).toBe(1);
    expect(await t.counted(route.queues.queue, "moved_in")).toBe(1);
  });

  it("is not undone by a purge: the purge leaves an event a move claimed to that move", async () => {
    const t = await setup();
    await t.ledger.countMovedOut(unroutedQueueNames.queue, unroutedQueueNames.queue, "wh-1", event);
    const operator = { ...t.ctx, logger, queueNames: async () => [unroutedQueueNames] };
    const report = await purgeKept(operator, { location: ["catch-all"] }, { actor: "test" });
    expect(report).toEqual({ matched: 1, purged: 0 });
    expect(await t.queues.get(unroutedQueueNames.queue).getJob("wh-1")).toBeDefined();
    expect(await moveEvent(t.ctx, t.kept, plan)).toBe(true);
    expect(await t.counted(unroutedQueueNames.queue, "purged")).toBe(0);
  });
});
