import { type QueueNames, queueLabel, unroutedQueueNames } from "@skyhook/contracts";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";
import { type LedgerCounter, ledgerCounters } from "./ledger.ts";
import { readLedger } from "./ledger-report.ts";
import type { QueuePool } from "./queue-pool.ts";

const inFlightStates = ["waiting", "delayed", "active", "prioritized"] as const;

/** What one scrape learned of one queue; a queue whose read failed is simply absent. */
type QueueReading =
  | { kind: "catch-all"; queue: string; waiting: number }
  | {
      kind: "operation";
      queue: string;
      states: Record<(typeof inFlightStates)[number] | "dead_letter" | "stale", number>;
      difference: number;
      counters: Record<LedgerCounter, number>;
    };

async function readQueue(
  redis: RedisClient,
  keys: KeyNames,
  pool: QueuePool,
  names: QueueNames,
): Promise<QueueReading> {
  if (names.queue === unroutedQueueNames.queue) {
    const counts = await pool.get(names.queue).getJobCounts("waiting");
    return { kind: "catch-all", queue: names.queue, waiting: counts.waiting ?? 0 };
  }
  const report = await readLedger(redis, keys, pool, [names]);
  const balance = report.queues[0];
  if (balance === undefined) throw new Error(`no ledger balance for ${names.queue}`);
  const counters = Object.fromEntries(
    ledgerCounters.map((c) => [c, report.rows.reduce((n, row) => n + row[c], 0)]),
  ) as Record<LedgerCounter, number>;
  return {
    kind: "operation",
    queue: names.queue,
    states: { ...balance.inFlight, dead_letter: balance.deadLettered, stale: balance.stale },
    difference: balance.difference,
    counters,
  };
}

type GaugeSource = {
  redis: RedisClient;
  keys: KeyNames;
  pool: QueuePool;
  queues: () => readonly QueueNames[];
  logger: Logger;
};

/**
 * Reads every queue, each on its own, and answers with what was read by `timeoutMs`. A failure
 * is logged once until reads succeed again.
 */
function sharedReadings(source: GaugeSource, timeoutMs: number): () => Promise<QueueReading[]> {
  let failing = false;

  const readAll = async (): Promise<QueueReading[]> => {
    const readings: QueueReading[] = [];
    const failures: Array<{ queue: string; err: string }> = [];
    let queues: readonly QueueNames[];
    try {
      queues = source.queues();
    } catch (err) {
      source.logger.warn({ err }, "metrics: could not list the queues to report");
      return readings;
    }
    const reads = queues.map((names) =>
      readQueue(source.redis, source.keys, source.pool, names).then(
        (reading) => {
          readings.push(reading);
        },
        (err: unknown) => {
          failures.push({
            queue: names.queue,
            err: err instanceof Error ? err.message : String(err),
          });
        },
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    const finished = await Promise.race([Promise.all(reads).then(() => "done" as const), deadline]);
    clearTimeout(timer);
    const missing = queues.length - readings.length;
    if (missing > 0 && !failing) {
      failing = true;
      source.logger.warn(
        { missing, late: finished === "late", timeoutMs, failures: failures.slice(0, 5) },
        "metrics: some queues could not be read from Redis; left out of this scrape",
      );
    } else if (missing === 0 && failing) {
      failing = false;
      source.logger.info("metrics: every queue read from Redis again");
    }
    // A copy: reads that finish after the deadline must not change what this scrape reports.
    return [...readings];
  };

  // prom-client collects every metric of a scrape concurrently: the three gauges share one
  // read of Redis, started by whichever is collected first. Nothing is kept past it.
  let current: Promise<QueueReading[]> | undefined;
  return () => {
    current ??= readAll().finally(() => {
      current = undefined;
    });
    return current;
  };
}

/**
 * The gauges read from Redis on each scrape: `skyhook_queue_jobs{queue,state}`,
 * `skyhook_ledger_difference{queue}` and `skyhook_ledger_events{queue,counter}`, for the
 * queues `queues()` names (for the catch-all, only its waiting count).
 *
 * A scrape never fails because of Redis and never waits long for it: each queue is read on
 * its own, and after `timeoutMs` the scrape answers with the queues read so far. A queue that
 * could not be read is left out rather than reported with stale numbers; the failure is
 * logged once until reads succeed again. BullMQ's reads wait for a connection that is down
 * (whatever its options), so the deadline is what bounds a scrape; give it a connection
 * without an offline queue all the same, so direct commands fail rather than pile up.
 */
export function registerQueueGauges(
  options: GaugeSource & { registry: Registry; timeoutMs?: number },
): void {
  const readings = sharedReadings(options, options.timeoutMs ?? 1_000);
  const registers = [options.registry];

  new Gauge({
    name: "skyhook_queue_jobs",
    help: "Jobs in a queue by state, read from Redis at scrape time; dead_letter and stale are the sizes of the queue's dead-letter and stale queues.",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      const all = await readings();
      this.reset();
      for (const reading of all) {
        const queue = queueLabel(reading.queue);
        if (reading.kind === "catch-all") {
          this.set({ queue, state: "waiting" }, reading.waiting);
          continue;
        }
        for (const [state, count] of Object.entries(reading.states))
          this.set({ queue, state }, count);
      }
    },
  });
  new Gauge({
    name: "skyhook_ledger_difference",
    help: "Accepted events not accounted for (accepted + moved in - moved out - purged - trimmed - completed - dead-lettered - stale - in flight): 0 when balanced.",
    labelNames: ["queue"] as const,
    registers,
    async collect() {
      const all = await readings();
      this.reset();
      for (const reading of all) {
        if (reading.kind === "operation")
          this.set({ queue: queueLabel(reading.queue) }, reading.difference);
      }
    },
  });
  new Gauge({
    name: "skyhook_ledger_events",
    help: "The ledger's counters for a queue, summed over subscriptions and routing pairs.",
    labelNames: ["queue", "counter"] as const,
    registers,
    async collect() {
      const all = await readings();
      this.reset();
      for (const reading of all) {
        if (reading.kind !== "operation") continue;
        const queue = queueLabel(reading.queue);
        for (const [counter, value] of Object.entries(reading.counters))
          this.set({ queue, counter }, value);
      }
    },
  });
}
