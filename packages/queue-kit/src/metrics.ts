import { queueLabel } from "@skyhook/contracts";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { OutcomeObserver } from "./outcome.ts";

/** Redis writes of one event: sub-millisecond on a quiet loopback, up to the 2 s enqueue timeout. */
const enqueueBucketsSec = [
  0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
] as const;
/** One handler run: a projection write takes milliseconds, a notice up to its HTTP timeout. */
const jobBucketsSec = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;
const minuteSec = 60;
const hourSec = 60 * minuteSec;
const daySec = 24 * hourSec;
/**
 * From Spotnana's envelope timestamp to the handler's success. Retries back off for hours
 * and Spotnana itself retries for two weeks, so the buckets reach that far.
 */
const eventAgeBucketsSec = [
  0.1,
  0.5,
  1,
  5,
  15,
  minuteSec,
  5 * minuteSec,
  15 * minuteSec,
  hourSec,
  6 * hourSec,
  daySec,
  3 * daySec,
  7 * daySec,
  14 * daySec,
] as const;

/**
 * Subscription names and reasons are bounded by configuration and code, but a label is a
 * promise of bounded cardinality to whoever stores the series: a value outside the lists
 * given (or, without a list, one that does not look like a name or a code) collapses into
 * "other" rather than becoming a series of its own. Codes have no digits, so no id passes.
 */
const nameLike = /^[A-Za-z0-9_.-]{1,64}$/;
const codeLike = /^[a-z][a-z_-]{0,39}$/;
const other = "other";

const bounded = (allowed: readonly string[] | undefined, fallback: RegExp) => {
  if (allowed === undefined)
    return (value: string) => (value === "-" || fallback.test(value) ? value : other);
  const known = new Set(["-", ...allowed]);
  return (value: string) => (known.has(value) ? value : other);
};

export type Metrics = {
  /** This process's own registry: never prom-client's global one. */
  registry: Registry;
  /** Counts every outcome recorded in the process's OutcomeSink. Synchronous, no I/O. */
  observer: OutcomeObserver;
};

/** The counters and histograms outcomes are counted in, registered in `registry`. */
function registerOutcomeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    deliveries: new Counter({
      name: "skyhook_deliveries_total",
      help: "Webhook deliveries by subscription, outcome and reason (error code or filter reason, '-' for none).",
      labelNames: ["subscription", "outcome", "reason"] as const,
      registers,
    }),
    tokens: new Counter({
      name: "skyhook_token_requests_total",
      help: "OAuth token requests by outcome.",
      labelNames: ["outcome"] as const,
      registers,
    }),
    enqueue: new Histogram({
      name: "skyhook_enqueue_seconds",
      help: "Time spent storing an accepted delivery in Redis.",
      buckets: [...enqueueBucketsSec],
      registers,
    }),
    jobs: new Counter({
      name: "skyhook_jobs_total",
      help: "Job runs by queue and outcome.",
      labelNames: ["queue", "outcome"] as const,
      registers,
    }),
    jobSeconds: new Histogram({
      name: "skyhook_job_seconds",
      help: "Duration of one job run, whatever its outcome.",
      labelNames: ["queue"] as const,
      buckets: [...jobBucketsSec],
      registers,
    }),
    eventAge: new Histogram({
      name: "skyhook_event_age_seconds",
      help: "From the envelope timestamp Spotnana set to the handler's success.",
      labelNames: ["queue"] as const,
      buckets: [...eventAgeBucketsSec],
      registers,
    }),
    moves: new Counter({
      name: "skyhook_moves_total",
      help: "Events moved between queues (adopted, replayed) or purged, by source and target queue.",
      labelNames: ["outcome", "from", "to"] as const,
      registers,
    }),
    trimmed: new Counter({
      name: "skyhook_kept_trimmed_total",
      help: "Kept events (dead letters, stale, catch-all, rejected copies) removed by their bound, oldest first, by location, queue and bound (count or age).",
      labelNames: ["location", "queue", "reason"] as const,
      registers,
    }),
  };
}

/** Queue names come from the contracts, so there are few; the label drops the hash tag. */
function cachedQueueLabels(): (queue: string) => string {
  const labels = new Map<string, string>();
  return (queue) => {
    let label = labels.get(queue);
    if (label === undefined) {
      label = queueLabel(queue);
      labels.set(queue, label);
    }
    return label;
  };
}

export function createMetrics(
  options: {
    /** Known subscription names; a delivery naming any other is counted as "other". */
    subscriptions?: readonly string[];
    /** Known reasons (error codes, filter reasons); any other is counted as "other". */
    reasons?: readonly string[];
    /** prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC). */
    processMetrics?: boolean;
  } = {},
): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const { deliveries, tokens, enqueue, jobs, jobSeconds, eventAge, moves, trimmed } =
    registerOutcomeMetrics(registry);
  const subscriptionOf = bounded(options.subscriptions, nameLike);
  const reasonOf = bounded(options.reasons, codeLike);
  const labelOf = cachedQueueLabels();

  const observer: OutcomeObserver = (outcome) => {
    switch (outcome.kind) {
      case "delivery":
        deliveries.inc({
          subscription: subscriptionOf(outcome.subscription),
          outcome: outcome.outcome,
          reason: reasonOf(outcome.reason),
        });
        if (outcome.enqueueSec !== undefined) enqueue.observe(outcome.enqueueSec);
        return;
      case "token":
        tokens.inc({ outcome: outcome.outcome });
        return;
      case "job": {
        const queue = labelOf(outcome.queue);
        jobs.inc({ queue, outcome: outcome.outcome });
        jobSeconds.observe({ queue }, outcome.durationSec);
        if (outcome.outcome === "completed" && outcome.eventAgeSec !== undefined) {
          // A sender clock ahead of ours would give a negative age: count it as fresh.
          eventAge.observe({ queue }, Math.max(0, outcome.eventAgeSec));
        }
        return;
      }
      case "move":
        moves.inc(
          {
            outcome: outcome.outcome,
            from: labelOf(outcome.from),
            to: outcome.to === undefined ? "-" : labelOf(outcome.to),
          },
          outcome.count,
        );
        return;
      case "trim":
        trimmed.inc(
          { location: outcome.location, queue: labelOf(outcome.queue), reason: outcome.reason },
          outcome.count,
        );
        return;
    }
  };

  return { registry, observer };
}

/**
 * `skyhook_worker_ready{queue}`: 1 while this worker consumes the queue, 0 while it is stuck
 * (or cannot reach Redis). Read from `states` on each scrape.
 */
export function registerWorkerReadyGauge(
  registry: Registry,
  states: () => ReadonlyArray<{ queue: string; ready: boolean }>,
): void {
  new Gauge({
    name: "skyhook_worker_ready",
    help: "1 while this worker process consumes the queue, 0 while it does not (stuck or Redis unreachable).",
    labelNames: ["queue"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { queue, ready } of states())
        this.set({ queue: queueLabel(queue) }, ready ? 1 : 0);
    },
  });
}

/** The registry in Prometheus's text format, as an HTTP answer for the ops server. */
export async function scrapeMetrics(
  registry: Registry,
): Promise<{ status: number; contentType: string; body: string }> {
  return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
}
