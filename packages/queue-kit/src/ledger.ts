import type { RedisClient } from "./connections.ts";
import {
  defaultJournalSettings,
  type JournalFields,
  type JournalOutcome,
  type JournalSettings,
} from "./journal/entry.ts";
import { journalParams } from "./journal/journal-lua.ts";
import { createJournalWriter } from "./journal/writer.ts";
import type { KeyNames } from "./keys.ts";
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

/**
 * One delivery to count, after its job was added to the queue; `entry` is journaled with the
 * count (as accepted or duplicate).
 */
export type DeliveryCount = {
  jobId: string;
  key: LedgerKey;
  indexPair: boolean;
  entry?: JournalFields | undefined;
};

/** The journal entry of an event leaving a kept queue, written with the count of its leaving. */
export type LeaveEntry = { outcome: JournalOutcome; fields: JournalFields };

/**
 * The ledger's counts, each journaled in the same script when the caller passes what to write
 * (the journal keys share the queue's hash tag): the journal costs no command of its own.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one factory of many small methods over the same scripts and key builders; each method is a few lines with its own doc, and their being side by side is how the counts are seen to agree
export function createLedger(
  redis: RedisClient,
  keys: KeyNames,
  journal: JournalSettings = defaultJournalSettings,
  now: () => Date = () => new Date(),
) {
  const run = ledgerScripts(redis);
  const writer = createJournalWriter(redis, keys, journal, now);
  const journaled = (queue: string, fields: JournalFields | undefined) =>
    journalParams(keys, journal, queue, fields, now());
  const leave = async (
    counter: "moved_out" | "purged" | "trimmed",
    mark: string,
    ledgerQueue: string,
    heldIn: string,
    jobId: string,
    key: LedgerKey | undefined,
    entry: LeaveEntry | undefined,
  ) => {
    const entryParams = journaled(ledgerQueue, entry?.fields);
    return (
      (await run.skyhookCountLeave(
        keys.job(heldIn, jobId),
        keys.ledger(ledgerQueue),
        ...entryParams.keys,
        counter,
        key === undefined ? "" : suffixOf(key),
        mark,
        entry?.outcome ?? "",
        ...entryParams.args,
      )) === 1
    );
  };
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
     * Journals what no count records (a job's run: applied, retried, …) in `queue`'s journal:
     * one command of its own, which a caller sends beside its others rather than waiting on.
     */
    journal: writer.write,
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
        const entry = journaled(queue, count.entry);
        pipeline.skyhookCountDelivery(
          keys.job(queue, count.jobId),
          keys.ledger(queue),
          keys.pairIndex(queue, count.key.eventType, count.key.operation),
          ...entry.keys,
          suffixOf(count.key),
          count.jobId,
          count.indexPair ? "1" : "0",
          ...entry.args,
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
      entry?: JournalFields,
    ): Promise<"filtered" | "duplicate"> {
      const entryParams = journaled(queue, entry);
      const counted = await run.skyhookCountFiltered(
        keys.filteredMark(queue, jobId),
        keys.ledger(queue),
        ...entryParams.keys,
        suffixOf(key),
        ttlSec,
        reason,
        ...entryParams.args,
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
     * `entry` is journaled in `ledgerQueue`'s journal when this call is the one that counts.
     */
    countMovedOut: (
      ledgerQueue: string,
      heldIn: string,
      jobId: string,
      key: LedgerKey | undefined,
      entry?: LeaveEntry,
    ) => leave("moved_out", "sk-moved", ledgerQueue, heldIn, jobId, key, entry),
    /** Whether the job is marked as being moved out (its move may have been cut short). */
    isMoving: async (heldIn: string, jobId: string) =>
      (await redis.hexists(keys.job(heldIn, jobId), "sk-moved")) === 1,
    /** `key` undefined: the job holds no counted event, so it is only marked (and journaled). */
    countPurged: (
      ledgerQueue: string,
      heldIn: string,
      jobId: string,
      key: LedgerKey | undefined,
      entry?: JournalFields,
    ) => leave("purged", "sk-purged", ledgerQueue, heldIn, jobId, key, journalAs("purged", entry)),
    /**
     * True for the one caller that trims the job first. `key` undefined: the job holds no
     * counted event (a rejected copy, a job added by hand), so it is only marked.
     */
    countTrimmed: (
      ledgerQueue: string,
      heldIn: string,
      jobId: string,
      key: LedgerKey | undefined,
      entry?: JournalFields,
    ) =>
      leave("trimmed", "sk-trimmed", ledgerQueue, heldIn, jobId, key, journalAs("trimmed", entry)),
  };
}

const journalAs = (outcome: JournalOutcome, fields: JournalFields | undefined) =>
  fields === undefined ? undefined : { outcome, fields };
