import {
  DeadLetterJob,
  type EntityOrder,
  FilteredEventJob,
  StaleEventJob,
} from "@skyhook/contracts";
import { z } from "zod";

/**
 * The title bull-board shows for each job in a list. A dead letter's job name is its
 * operation's, the same for every job in the queue, so the title says instead why it failed:
 * `retries-exhausted — TypeError: fetch failed ← Error: connect ECONNREFUSED …`. That puts the
 * cause where an operator looks first, rather than two clicks deep in the job's data.
 *
 * Job data is read with the contracts' schemas; a job that does not match (an older or a
 * hand-added one) keeps its own name rather than failing the whole listing.
 */
const maxTitleLength = 300;

/** What bull-board hands a `name` formatter: the job's JSON, data not yet redacted. */
const JobJson = z.object({ name: z.string().optional(), data: z.unknown() });

const StaleRecord = StaleEventJob.pick({ stale: true });
const FilteredRecord = FilteredEventJob.pick({ filtered: true });

const shorten = (text: string) =>
  text.length <= maxTitleLength ? text : `${text.slice(0, maxTitleLength - 1)}…`;

const nameOf = (job: unknown): string => {
  const parsed = JobJson.safeParse(job);
  return parsed.success ? (parsed.data.name ?? "") : "";
};

export function deadLetterTitle(job: unknown): string {
  const parsed = JobJson.safeParse(job);
  const letter = parsed.success ? DeadLetterJob.safeParse(parsed.data.data) : undefined;
  if (!letter?.success) return nameOf(job);
  const { reason, error, history } = letter.data.failure;
  // Letters written before the cause chain was kept still carry the per-attempt history.
  const why = error ?? history.at(-1)?.error;
  return shorten(why === undefined ? reason : `${reason} — ${why}`);
}

/** Says what was compared, the way the worker compares it: by version if both have one, else by time. */
function olderThan(order: EntityOrder, newest: EntityOrder): string {
  if (order.version !== undefined && newest.version !== undefined) {
    return `version ${order.version}, older than the applied version ${newest.version}`;
  }
  if (order.timestampMs !== undefined && newest.timestampMs !== undefined) {
    const at = (ms: number) => new Date(ms).toISOString();
    return `${at(order.timestampMs)}, older than the applied ${at(newest.timestampMs)}`;
  }
  return "older than the state applied";
}

export function staleTitle(job: unknown): string {
  const parsed = JobJson.safeParse(job);
  // Only the skip record is needed for the title; the kept event is shown as it is.
  const stale = parsed.success ? StaleRecord.safeParse(parsed.data.data) : undefined;
  if (!stale?.success) return nameOf(job);
  return shorten(`skipped stale — ${olderThan(stale.data.stale.order, stale.data.stale.newest)}`);
}

/** A filtered delivery's title says which filter dropped it: `filtered — organization`. */
export function filteredTitle(job: unknown): string {
  const parsed = JobJson.safeParse(job);
  const kept = parsed.success ? FilteredRecord.safeParse(parsed.data.data) : undefined;
  if (!kept?.success) return nameOf(job);
  return shorten(`filtered — ${kept.data.filtered.reason}`);
}
