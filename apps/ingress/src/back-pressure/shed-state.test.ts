import { queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import {
  calmState,
  isShedding,
  nextShedState,
  type ShedLimits,
  type ShedSample,
  shedReasonOf,
} from "./shed-state.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED").queue;
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED").queue;
const catchAll = unroutedQueueNames.queue;
const mib = 1024 * 1024;

const limits: ShedLimits = {
  memoryRatio: 0.9,
  memoryBytesWhenUnlimited: undefined,
  backlogBudget: (queue) => (queue === catchAll ? 50 : 100),
};

const sample = (
  memory: Array<[string, number, number]>,
  backlogs: Array<[string, number]> = [],
): ShedSample => ({
  memory: memory.map(([node, usedBytes, maxBytes]) => ({ node, usedBytes, maxBytes })),
  backlogs: new Map(backlogs),
});

describe("nextShedState", () => {
  it("sheds every delivery once a master's used memory reaches its share of maxmemory", () => {
    const below = nextShedState(calmState, sample([["a", 89 * mib, 100 * mib]]), limits);
    expect(shedReasonOf(below, cancelled)).toBeUndefined();
    const at = nextShedState(below, sample([["a", 90 * mib, 100 * mib]]), limits);
    expect(shedReasonOf(at, cancelled)).toBe("redis_memory");
    expect(shedReasonOf(at, catchAll)).toBe("redis_memory");
    expect(at.memory).toEqual({ node: "a", usedBytes: 90 * mib, limitBytes: 90 * mib });
  });

  it("judges every master of a Cluster and reports the fullest", () => {
    const state = nextShedState(
      calmState,
      sample([
        ["a", 10 * mib, 100 * mib],
        ["b", 95 * mib, 100 * mib],
        ["c", 50 * mib, 100 * mib],
      ]),
      limits,
    );
    expect(state.memory?.node).toBe("b");
    expect(state.memoryShare).toBeCloseTo(95 / 90);
  });

  it("keeps shedding until memory falls below 95 % of the limit, so it does not flap", () => {
    const shedding = nextShedState(calmState, sample([["a", 91 * mib, 100 * mib]]), limits);
    const hovering = nextShedState(shedding, sample([["a", 86 * mib, 100 * mib]]), limits);
    expect(shedReasonOf(hovering, cancelled)).toBe("redis_memory");
    const under = nextShedState(hovering, sample([["a", 85 * mib, 100 * mib]]), limits);
    expect(shedReasonOf(under, cancelled)).toBeUndefined();
  });

  it("without maxmemory, uses the byte budget, or does not watch memory at all", () => {
    const unlimited = sample([["a", 500 * mib, 0]]);
    expect(nextShedState(calmState, unlimited, limits).memory).toBeUndefined();
    expect(nextShedState(calmState, unlimited, limits).memoryShare).toBeUndefined();
    const budgeted = nextShedState(calmState, unlimited, {
      ...limits,
      memoryBytesWhenUnlimited: 400 * mib,
    });
    expect(budgeted.memory).toEqual({ node: "a", usedBytes: 500 * mib, limitBytes: 400 * mib });
  });

  it("sheds only the queue whose backlog reached its budget, and names the catch-all's", () => {
    const state = nextShedState(
      calmState,
      sample(
        [["a", mib, 100 * mib]],
        [
          [cancelled, 100],
          [created, 99],
          [catchAll, 50],
        ],
      ),
      limits,
    );
    expect(shedReasonOf(state, cancelled)).toBe("backlog");
    expect(shedReasonOf(state, created)).toBeUndefined();
    expect(shedReasonOf(state, catchAll)).toBe("catch_all_full");
    expect(isShedding(state, "backlog")).toBe(true);
    expect(isShedding(state, "catch_all_full")).toBe(true);
    expect(isShedding(state, "redis_memory")).toBe(false);
  });

  it("takes a queue again once its backlog is below 95 % of its budget", () => {
    const over = nextShedState(calmState, sample([], [[cancelled, 100]]), limits);
    const still = nextShedState(over, sample([], [[cancelled, 95]]), limits);
    expect(shedReasonOf(still, cancelled)).toBe("backlog");
    const under = nextShedState(still, sample([], [[cancelled, 94]]), limits);
    expect(shedReasonOf(under, cancelled)).toBeUndefined();
    expect(isShedding(under, "backlog")).toBe(false);
  });

  it("keeps the last decision for what a sample could not read, and decides the rest", () => {
    const over = nextShedState(
      calmState,
      sample([["a", 95 * mib, 100 * mib]], [[cancelled, 100]]),
      limits,
    );
    const partly = nextShedState(
      over,
      { memory: undefined, backlogs: new Map([[created, 1]]) },
      limits,
    );
    expect(shedReasonOf(partly, cancelled)).toBe("redis_memory");
    expect(partly.memoryShare).toBeCloseTo(95 / 90);
    const memoryBack = nextShedState(partly, sample([["a", mib, 100 * mib]]), limits);
    expect(shedReasonOf(memoryBack, cancelled)).toBe("backlog");
    expect(shedReasonOf(memoryBack, created)).toBeUndefined();
  });
});
