import { register } from "prom-client";
import { describe, expect, it } from "vitest";
import { parsePrometheus } from "../../../test/support/prometheus.ts";
import { createMetrics, registerWorkerReadyGauge, scrapeMetrics } from "./metrics.ts";
import type { Outcome } from "./outcome.ts";

const quiet = { processMetrics: false } as const;

async function scraped(metrics: ReturnType<typeof createMetrics>) {
  const answer = await scrapeMetrics(metrics.registry);
  expect(answer.status).toBe(200);
  return parsePrometheus(answer.body);
}

const delivery = (fields: Partial<Extract<Outcome, { kind: "delivery" }>>): Outcome => ({
  kind: "delivery",
  outcome: "accepted",
  subscription: "acme",
  reason: "-",
  ...fields,
});

const job = (fields: Partial<Extract<Outcome, { kind: "job" }>>): Outcome => ({
  kind: "job",
  outcome: "completed",
  queue: "{pnr-v3.booking-created}",
  jobId: "wh-123456789",
  attempt: 1,
  durationSec: 0.02,
  ...fields,
});

describe("createMetrics", () => {
  it("gives every call a registry of its own and leaves prom-client's global one alone", async () => {
    const a = createMetrics(quiet);
    const b = createMetrics(quiet);
    a.observer(delivery({}));
    a.observer(delivery({}));
    b.observer(delivery({}));
    const labels = { subscription: "acme", outcome: "accepted", reason: "-" };
    expect((await scraped(a)).value("skyhook_deliveries_total", labels)).toBe(2);
    expect((await scraped(b)).value("skyhook_deliveries_total", labels)).toBe(1);
    expect(register.getSingleMetric("skyhook_deliveries_total")).toBeUndefined();
  });

  it("includes the process metrics unless told not to", async () => {
    expect((await scraped(createMetrics())).find("process_cpu_user_seconds_total")).toHaveLength(1);
    expect((await scraped(createMetrics(quiet))).find("process_cpu_user_seconds_total")).toEqual(
      [],
    );
  });

  it("counts a subscription or reason outside the known lists as 'other', never as itself", async () => {
    const metrics = createMetrics({
      ...quiet,
      subscriptions: ["acme"],
      reasons: ["unauthorized", "event-type"],
    });
    metrics.observer(delivery({ subscription: "3f2a9c1e-7b4d-4e8a-9f00-123456789abc" }));
    metrics.observer(delivery({ outcome: "invalid", reason: "invalid envelope: payload.x" }));
    metrics.observer(
      delivery({ subscription: "-", outcome: "unauthorized", reason: "unauthorized" }),
    );
    metrics.observer(delivery({ outcome: "filtered", reason: "event-type" }));
    const s = await scraped(metrics);
    expect(
      s.find("skyhook_deliveries_total").map((x) => [x.labels.subscription, x.labels.reason]),
    ).toEqual([
      ["other", "-"],
      ["acme", "other"],
      ["-", "unauthorized"],
      ["acme", "event-type"],
    ]);
  });

  it("without lists, lets only name-like subscriptions and digit-free codes through", async () => {
    const metrics = createMetrics(quiet);
    metrics.observer(delivery({ subscription: "tmc wide / ünïcode", reason: "a1b2c3d4e5f6" }));
    metrics.observer(delivery({ subscription: "tmc-wide", reason: "payload_too_large" }));
    const s = await scraped(metrics);
    expect(
      s.find("skyhook_deliveries_total").map((x) => [x.labels.subscription, x.labels.reason]),
    ).toEqual([
      ["other", "other"],
      ["tmc-wide", "payload_too_large"],
    ]);
  });

  it("times enqueues, jobs and event ages, labelling queues without their hash tags", async () => {
    const metrics = createMetrics(quiet);
    metrics.observer(delivery({ enqueueSec: 0.003 }));
    metrics.observer(delivery({ outcome: "filtered", reason: "event-type" }));
    metrics.observer({ kind: "token", outcome: "issued" });
    metrics.observer(job({ eventAgeSec: 90 }));
    // A sender clock ahead of ours: counted as fresh rather than dropped or negative.
    metrics.observer(job({ eventAgeSec: -4 }));
    metrics.observer(job({ outcome: "retried", eventAgeSec: 5 }));
    const s = await scraped(metrics);
    const queue = "pnr-v3.booking-created";
    expect(s.value("skyhook_enqueue_seconds_count")).toBe(1);
    expect(s.value("skyhook_enqueue_seconds_bucket", { le: "0.005" })).toBe(1);
    expect(s.value("skyhook_token_requests_total", { outcome: "issued" })).toBe(1);
    expect(s.value("skyhook_jobs_total", { queue, outcome: "completed" })).toBe(2);
    expect(s.value("skyhook_jobs_total", { queue, outcome: "retried" })).toBe(1);
    expect(s.value("skyhook_job_seconds_count", { queue })).toBe(3);
    // Only successes have an event age: a retry has not delivered the event yet.
    expect(s.value("skyhook_event_age_seconds_count", { queue })).toBe(2);
    expect(s.value("skyhook_event_age_seconds_bucket", { queue, le: "0.1" })).toBe(1);
    expect(s.value("skyhook_event_age_seconds_bucket", { queue, le: "300" })).toBe(2);
    expect(s.value("skyhook_event_age_seconds_bucket", { queue, le: String(14 * 86_400) })).toBe(2);
  });

  it("counts moved events by their number, from and to queue labels", async () => {
    const metrics = createMetrics(quiet);
    metrics.observer({
      kind: "move",
      outcome: "adopted",
      from: "{unrouted}",
      to: "{pnr-v3.booking-created}",
      count: 7,
    });
    metrics.observer({ kind: "move", outcome: "purged", from: "{unrouted}", count: 2 });
    const s = await scraped(metrics);
    expect(
      s.value("skyhook_moves_total", {
        outcome: "adopted",
        from: "unrouted",
        to: "pnr-v3.booking-created",
      }),
    ).toBe(7);
    expect(s.value("skyhook_moves_total", { outcome: "purged", from: "unrouted", to: "-" })).toBe(
      2,
    );
  });

  it("reports each queue's readiness as 1 or 0 as of the scrape", async () => {
    const metrics = createMetrics(quiet);
    let ready = true;
    registerWorkerReadyGauge(metrics.registry, () => [
      { queue: "{pnr-v3.booking-created}", ready },
      { queue: "{pnr-v3.flight-cancelled}", ready: true },
    ]);
    expect(
      (await scraped(metrics)).value("skyhook_worker_ready", { queue: "pnr-v3.booking-created" }),
    ).toBe(1);
    ready = false;
    const s = await scraped(metrics);
    expect(s.value("skyhook_worker_ready", { queue: "pnr-v3.booking-created" })).toBe(0);
    expect(s.value("skyhook_worker_ready", { queue: "pnr-v3.flight-cancelled" })).toBe(1);
  });
});
