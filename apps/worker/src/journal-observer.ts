import { EventJob } from "@skyhook/contracts";
import {
  type JournalFields,
  type JournalOutcome,
  journalFieldsOf,
  type Ledger,
} from "@skyhook/queue-kit";
import type { Logger } from "pino";
import type { FateKind } from "./fate.ts";
import { type FateObserver, reasonOf } from "./fate-observers.ts";
import { throttledLog } from "./throttled-log.ts";

/**
 * The journal entry each fate is recorded as. A job whose entity was busy, or that shutdown
 * interrupted, goes back to its queue untouched: nothing became of it yet, so no entry.
 */
const journalOutcomeOf = {
  applied: "applied",
  "applied-before": "applied",
  stale: "stale",
  retry: "retried",
  held: "held",
  "dead-letter": "dead-lettered",
  busy: undefined,
  interrupted: undefined,
} as const satisfies Record<FateKind, JournalOutcome | undefined>;

/** The ids of a job whose data did not pass as an event, if they can still be read. */
function fieldsOfData(data: unknown, jobId: string): JournalFields {
  const event = EventJob.safeParse(data);
  if (event.success) return journalFieldsOf(event.data, jobId);
  return { deliveryId: "", jobId, subscription: "", eventType: "", operation: "" };
}

/**
 * Journals each run's fate in its queue's journal. The write is sent, not awaited: it goes out
 * on the connection ahead of BullMQ's own command for the job (complete, retry, fail), in the
 * same slot, so it adds a command to that round trip and never one of its own, and a journal
 * that Redis refuses never fails or delays a job. Failures are logged, at most one line a
 * minute per queue.
 */
export function journalFates(ledger: Pick<Ledger, "journal">, logger: Logger): FateObserver {
  const failed = throttledLog<unknown>((err, suppressed) => {
    logger.warn({ err, suppressed }, "a journal entry could not be written");
  }, 60_000);
  return (run, { fate, event }) => {
    const outcome = journalOutcomeOf[fate.kind];
    if (outcome === undefined) return;
    const fields =
      event === undefined ? fieldsOfData(run.data, run.jobId) : journalFieldsOf(event, run.jobId);
    fields.reason = reasonOf(fate);
    ledger.journal(run.queue, outcome, fields).catch(failed);
  };
}
