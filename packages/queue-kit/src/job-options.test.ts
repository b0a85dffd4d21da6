import { queueNamesFor, type Route } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { createEventJobOptions, eventJobOptions, jobNameOf, retryPolicyOf } from "./job-options.ts";

const retry = {
  attempts: 6,
  backoffMs: 1_500,
  jitter: 0.4,
  maxBackoffMs: 60_000,
  horizonSec: 3_600,
};
const route: Route = { spec: undefined, queues: queueNamesFor("PNR_V3", "X"), retry };
const settings = { dedupTtlSec: 3_600 };

describe("eventJobOptions", () => {
  it("retries with the worker's capped exponential backoff and jitter, from the route's policy", () => {
    const options = eventJobOptions(route, "wh-1", settings);
    expect(options.attempts).toBe(6);
    expect(options.backoff).toEqual({ type: "skyhook-capped", delay: 1_500, jitter: 0.4 });
  });

  it("keeps a deduplication key on the job id for the configured TTL, in milliseconds", () => {
    expect(eventJobOptions(route, "wh-1", settings)).toMatchObject({
      jobId: "wh-1",
      deduplication: { id: "wh-1", ttl: 3_600_000 },
    });
  });

  it("bounds retention of finished jobs by age and count, the defaults unless configured", () => {
    expect(eventJobOptions(route, "wh-1", settings)).toMatchObject({
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 14 * 86_400, count: 100_000 },
    });
    const retention = { completedAgeSec: 1, completedCount: 2, failedAgeSec: 3, failedCount: 4 };
    expect(eventJobOptions(route, "wh-1", { ...settings, retention })).toMatchObject({
      removeOnComplete: { age: 1, count: 2 },
      removeOnFail: { age: 3, count: 4 },
    });
  });

  it("sets no retry for a route without a policy (BullMQ's single attempt)", () => {
    const options = eventJobOptions({ ...route, retry: undefined }, "wh-1", settings);
    expect(options).not.toHaveProperty("attempts");
    expect(options).not.toHaveProperty("backoff");
  });
});

describe("createEventJobOptions", () => {
  const retention = { completedAgeSec: 1, completedCount: 2, failedAgeSec: 3, failedCount: 4 };
  it.each([
    ["a route's policy", route, settings],
    ["no policy", { ...route, retry: undefined }, settings],
    [
      "an override and a retention",
      route,
      { ...settings, retention, retryOverride: { attempts: 2 } },
    ],
  ])("gives the options eventJobOptions gives, for %s", (_label, r, s) => {
    const options = createEventJobOptions(s);
    for (const jobId of ["wh-1", "wh-2", "wh-1"])
      expect(options(r, jobId)).toStrictEqual(eventJobOptions(r, jobId, s));
  });

  it("builds the fixed part once per retry policy, and gives every job its own id and dedup key", () => {
    const options = createEventJobOptions(settings);
    const [a, b] = [options({ ...route }, "wh-a"), options({ ...route }, "wh-b")];
    expect(a.backoff).toBe(b.backoff);
    expect(a.removeOnComplete).toBe(b.removeOnComplete);
    expect(a.deduplication).not.toBe(b.deduplication);
    expect([a.jobId, b.jobId, a.deduplication?.id, b.deduplication?.id]).toEqual([
      "wh-a",
      "wh-b",
      "wh-a",
      "wh-b",
    ]);
    const other = options({ ...route, retry: { ...retry, attempts: 9 } }, "wh-c");
    expect(other.attempts).toBe(9);
  });
});

describe("retryPolicyOf", () => {
  it("applies each overridden field and keeps the rest of the route's policy", () => {
    expect(retryPolicyOf(route, { attempts: 2 })).toEqual({ ...retry, attempts: 2 });
    expect(retryPolicyOf(route, { backoffMs: 10, jitter: 0, horizonSec: 60 })).toEqual({
      attempts: 6,
      backoffMs: 10,
      jitter: 0,
      maxBackoffMs: 60_000,
      horizonSec: 60,
    });
    expect(retryPolicyOf({ ...route, retry: undefined }, { attempts: 2 })).toBeUndefined();
  });
});

describe("jobNameOf", () => {
  it("names a job by its routing pair", () => {
    expect(jobNameOf({ eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" })).toBe(
      "PNR_V3.FLIGHT_CANCELLED",
    );
  });
});
