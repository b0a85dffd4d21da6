import type { QueueNames } from "@skyhook/contracts";
import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";
import type { QueuePool } from "./queue-pool.ts";
import { type CountOnce, type LedgerScripts, ledgerScripts } from "./scripts.ts";
import type { ItemResult } from "./turn-batcher.ts";

/**
 * The ledger proves that every accepted event ended somewhere. Retention removes completed
 * jobs, so what flows through is counted (accepted, completed, moved, purged); what stays is
 * read from the queues that keep it (dead letters, stale events, the catch-all, jobs in flight).
 * Per queue: accepted + moved_in − moved_out − purged − trimmed = completed + dead-lettered +
 * stale + in flight, where trimmed counts kept events a bound removed. Duplicates and filtered
 * deliveries are counted beside it.
 */
export const ledgerCounters = [
  "accepted",
  "duplicate",
  "filtered",
  "completed",
  "moved_in",
  "moved_out",
  "purged",
  "trimmed",
] as const;
export type LedgerCounter = (typeof ledgerCounters)[number];

/** Whose event it was: the ledger is kept per subscription and routing pair. */
export type LedgerKey = { subscription: string; eventType: string; operation: string };

const suffixOf = (key: LedgerKey) => `|${key.subscription}|${key.eventType}|${key.operation}`;

export type Ledger = ReturnType<typeof createLedger>;

/** One delivery to count, after its job was added to the queue. */
export type DeliveryCount = { jobId: string; key: LedgerKey; indexPair: boolean };

export function createLedger(redis: RedisClient, keys: KeyNames) {
  const run = ledgerScripts(redis);
  const leave = async (
    counter: "moved_out" | "purged" | "trimmed",
    mark: string,
    ledgerQueue: string,
    heldIn: string,
    jobId: string,
    key: LedgerKey | undefined,
  ) =>
    (await run.skyhookCountLeave(
      keys.job(heldIn, jobId),
      keys.ledger(ledgerQueue),
      counter,
      key === undefined ? "" : suffixOf(key),
      mark,
    )) === 1;
  const once = async (
    counter: LedgerCounter,
    mark: string,
    queue: string,
    jobId: string,
    key: LedgerKey,
  ) =>
    (await run.skyhookCountOnce(
      keys.job(queue, jobId),
      keys.ledger(queue),
      counter,
      suffixOf(key),
      mark,
    )) === 1;

  return {
    /**
     * After the jobs were added to `queue`, counts each delivery: accepted the first time, a
     * duplicate after. One pipeline (one round trip) for them all; each gets its own result. The keys of one queue share its hash tag (one Cluster slot).
     */
    async countDeliveries(
      queue: string,
      counts: readonly DeliveryCount[],
    ): Promise<ItemResult<"accepted" | "duplicate">[]> {
      const pipeline = redis.pipeline() as unknown as LedgerScripts & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const count of counts) {
        pipeline.skyhookCountDelivery(
          keys.job(queue, count.jobId),
          keys.ledger(queue),
          keys.pairIndex(queue, count.key.eventType, count.key.operation),
          suffixOf(count.key),
          count.jobId,
          count.indexPair ? "1" : "0",
        );
      }
      const replies = await pipeline.exec();
      if (replies === null || replies.length !== counts.length)
        throw new Error(`the pipeline answered ${replies?.length ?? 0} of ${counts.length} counts`);
      return replies.map(([err, counted]) =>
        err === null
          ? { ok: true, value: counted === 1 ? "accepted" : "duplicate" }
          : { ok: false, error: err },
      );
    },
    async countFiltered(
      queue: string,
      jobId: string,
      key: LedgerKey,
      reason: string,
      ttlSec: number,
    ): Promise<"filtered" | "duplicate"> {
      const counted = await run.skyhookCountFiltered(
        keys.filteredMark(queue, jobId),
        keys.ledger(queue),
        suffixOf(key),
        ttlSec,
        reason,
      );
      return counted === 1 ? "filtered" : "duplicate";
    },
    /** The handler succeeded; false when this job was already counted (a re-run). */
    countCompleted: (queue: string, jobId: string, key: LedgerKey) =>
      once("completed", "sk-completed", queue, jobId, key),
    /**
     * What `countCompleted` writes, by name: for a script that counts the completion in the
     * same step as another (`countOnceLua`), where its keys may share one.
     */
    completion: (queue: string, jobId: string, key: LedgerKey): CountOnce => ({
      job: keys.job(queue, jobId),
      ledger: keys.ledger(queue),
      field: `completed${suffixOf(key)}`,
      mark: "sk-completed",
    }),
    /** Whether the handler's success was already counted: a re-run after a crash. */
    wasCompleted: async (queue: string, jobId: string) =>
      (await redis.hexists(keys.job(queue, jobId), "sk-completed")) === 1,
    /**
     * An event moved into `queue` as job `jobId` (adoption, a replay to another queue). The
     * mark is the one a delivery's first count sets, so a later re-send is a duplicate.
     */
    countMovedIn: (queue: string, jobId: string, key: LedgerKey) =>
      once("moved_in", "sk-accepted", queue, jobId, key),
    /**
     * The event held by job `jobId` of `heldIn` (a queue, or its dead-letter/stale queue) left
     * it: moved to another queue, purged by an operator, or trimmed by a bound. Each event
     * leaves once: whichever of the three is counted first, the others count nothing. `key`
     * undefined (a move within one ledger, a job that holds no counted event) only marks it.
     */
    countMovedOut: (
      ledgerQueue: string,
      heldIn: string,
      jobId: string,
      key: LedgerKey | undefined,
    ) => leave("moved_out", "sk-moved", ledgerQueue, heldIn, jobId, key),
    /** Whether the job is marked as being moved out (its move may have been cut short). */
    isMoving: async (heldIn: string, jobId: string) =>
      (await redis.hexists(keys.job(heldIn, jobId), "sk-moved")) === 1,
    /** `key` undefined: the job holds no counted event, so it is only marked. */
    countPurged: (ledgerQueue: string, heldIn: string, jobId: string, key: LedgerKey | undefined) =>
      leave("purged", "sk-purged", ledgerQueue, heldIn, jobId, key),
    /**
     * True for the one caller that trims the job first. `key` undefined: the job holds no
     * counted event (a rejected copy, a job added by hand), so it is only marked.
     */
    countTrimmed: (
      ledgerQueue: string,
      heldIn: string,
      jobId: string,
      key: LedgerKey | undefined,
    ) => leave("trimmed", "sk-trimmed", ledgerQueue, heldIn, jobId, key),
  };
}

export type LedgerRow = LedgerKey & { queue: string } & Record<LedgerCounter, number>;

export type QueueBalance = {
  queue: string;
  /** accepted + moved_in − moved_out − purged − trimmed */
  expected: number;
  completed: number;
  deadLettered: number;
  stale: number;
  inFlight: { waiting: number; delayed: number; active: number; prioritized: number };
  /**
   * Of the in-flight events, those waiting while the operation is held (its downstream's
   * breaker open) or paused by hand: kept, not lost, and counted in flight.
   */
  held: number;
  /** expected − (completed + dead-lettered + stale + in flight): 0 when nothing is missing. */
  difference: number;
};

export type LedgerReport = { rows: LedgerRow[]; queues: QueueBalance[]; balanced: boolean };

const zeroCounters = (): Record<LedgerCounter, number> =>
  Object.fromEntries(ledgerCounters.map((c) => [c, 0])) as Record<LedgerCounter, number>;

const isCounter = (value: string): value is LedgerCounter =>
  (ledgerCounters as readonly string[]).includes(value);

/** Reads the counters and the queues that hold events, for every queue given. */
export async function readLedger(
  redis: RedisClient,
  keys: KeyNames,
  pool: QueuePool,
  queues: readonly QueueNames[],
): Promise<LedgerReport> {
  const rows: LedgerRow[] = [];
  const balances: QueueBalance[] = [];
  for (const names of queues) {
    const [held, deadLetters, stale, fields, paused, breaker] = await Promise.all([
      pool.get(names.queue).getJobCounts("waiting", "delayed", "active", "prioritized"),
      pool.get(names.deadLetter).getJobCounts("waiting", "delayed", "prioritized"),
      pool.get(names.stale).getJobCounts("waiting", "delayed", "prioritized"),
      redis.hgetall(keys.ledger(names.queue)),
      pool.get(names.queue).isPaused(),
      redis.hget(keys.breaker(names.queue), "state"),
    ]);
    const byKey = new Map<string, LedgerRow>();
    for (const [field, value] of Object.entries(fields)) {
      const [counter, subscription, eventType, operation] = field.split("|");
      if (counter === undefined || !isCounter(counter)) continue;
      if (subscription === undefined || eventType === undefined || operation === undefined)
        continue;
      const id = `${subscription}|${eventType}|${operation}`;
      let row = byKey.get(id);
      if (row === undefined) {
        row = { queue: names.queue, subscription, eventType, operation, ...zeroCounters() };
        byKey.set(id, row);
      }
      row[counter] += Number(value);
    }
    const queueRows = [...byKey.values()];
    rows.push(...queueRows);
    const sum = (counter: LedgerCounter) => queueRows.reduce((n, r) => n + r[counter], 0);
    const total = (counts: Record<string, number>) =>
      Object.values(counts).reduce((n, c) => n + c, 0);
    const inFlight = {
      waiting: held.waiting ?? 0,
      delayed: held.delayed ?? 0,
      active: held.active ?? 0,
      prioritized: held.prioritized ?? 0,
    };
    const expected =
      sum("accepted") + sum("moved_in") - sum("moved_out") - sum("purged") - sum("trimmed");
    const accounted = sum("completed") + total(deadLetters) + total(stale) + total(inFlight);
    balances.push({
      queue: names.queue,
      expected,
      completed: sum("completed"),
      deadLettered: total(deadLetters),
      stale: total(stale),
      inFlight,
      held: paused || breaker === "open" ? inFlight.waiting + inFlight.prioritized : 0,
      difference: expected - accounted,
    });
  }
  return { rows, queues: balances, balanced: balances.every((b) => b.difference === 0) };
}
