import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCatalog, defineOperation } from "./operation-spec.ts";
import { queueNamesFor, unroutedQueueNames } from "./queue-names.ts";
import { defaultRetryPolicy } from "./retry-policy.ts";

const ticketed = defineOperation({
  eventType: "PNR_V3",
  operation: "BOOKING_TICKETED",
  payload: z.looseObject({ pnrId: z.string() }),
});
const taskCreated = defineOperation({
  eventType: "AGENT_TASK_DETAILS",
  operation: "TASK_CREATE",
  payload: z.looseObject({ id: z.string() }),
  retry: { attempts: 3, backoffMs: 500, jitter: 0, maxBackoffMs: 60_000, horizonSec: 3_600 },
});

describe("defineOperation", () => {
  it("derives the spec's queues from its routing pair", () => {
    expect(ticketed.queues).toEqual(queueNamesFor("PNR_V3", "BOOKING_TICKETED"));
  });

  it("uses the default retry policy unless one is given", () => {
    expect(ticketed.retry).toEqual(defaultRetryPolicy);
    expect(taskCreated.retry).toEqual({
      attempts: 3,
      backoffMs: 500,
      jitter: 0,
      maxBackoffMs: 60_000,
      horizonSec: 3_600,
    });
  });
});

describe("createCatalog", () => {
  const catalog = createCatalog([ticketed, taskCreated]);

  it("routes a known pair to its spec and its own queues", () => {
    const route = catalog.route("AGENT_TASK_DETAILS", "TASK_CREATE");
    expect(route.spec).toBe(taskCreated);
    expect(route.queues).toEqual({
      queue: "{agent-task-details.task-create}",
      deadLetter: "{agent-task-details.task-create}.dead-letter",
      stale: "{agent-task-details.task-create}.stale",
      filtered: "{agent-task-details.task-create}.filtered",
    });
  });

  it("routes an unknown operation of a known event type to the {unrouted} queues", () => {
    const route = catalog.route("PNR_V3", "TRIP_UPDATED");
    expect(route.spec).toBeUndefined();
    expect(route.queues).toEqual(unroutedQueueNames);
    expect(route.queues.queue).toBe("{unrouted}");
  });

  it("routes an unknown event type to the {unrouted} queues", () => {
    const route = catalog.route("BRAND_NEW_TYPE", "BOOKING_TICKETED");
    expect(route.spec).toBeUndefined();
    expect(route.queues).toEqual(unroutedQueueNames);
  });

  it("refuses a catalog that defines the same routing pair twice", () => {
    const again = defineOperation({
      eventType: "PNR_V3",
      operation: "BOOKING_TICKETED",
      payload: z.object({}),
    });
    expect(() => createCatalog([ticketed, again])).toThrow("PNR_V3/BOOKING_TICKETED");
  });

  it("refuses two routing pairs that would share one queue name", () => {
    const lookalike = defineOperation({
      eventType: "PNR_V3",
      operation: "BOOKING-TICKETED",
      payload: z.object({}),
    });
    expect(() => createCatalog([ticketed, lookalike])).toThrow("{pnr-v3.booking-ticketed}");
  });

  it("lists every queue it can produce, dead-letter, stale, filtered and unrouted queues included", () => {
    expect(catalog.allQueueNames().sort()).toEqual(
      [
        "{pnr-v3.booking-ticketed}",
        "{pnr-v3.booking-ticketed}.dead-letter",
        "{pnr-v3.booking-ticketed}.stale",
        "{pnr-v3.booking-ticketed}.filtered",
        "{agent-task-details.task-create}",
        "{agent-task-details.task-create}.dead-letter",
        "{agent-task-details.task-create}.stale",
        "{agent-task-details.task-create}.filtered",
        "{unrouted}",
        "{unrouted}.dead-letter",
        "{unrouted}.stale",
        "{unrouted}.filtered",
      ].sort(),
    );
  });

  it("lists the unrouted queues even for an empty catalog", () => {
    expect(createCatalog([]).allQueueNames()).toEqual([
      "{unrouted}",
      "{unrouted}.dead-letter",
      "{unrouted}.stale",
      "{unrouted}.filtered",
    ]);
  });
});
