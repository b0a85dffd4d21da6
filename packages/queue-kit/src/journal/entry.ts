import { z } from "zod";
import type { KeptLocation } from "../operator/kept-event.ts";

/**
 * The journal's vocabulary, in one file: what a writer records, what a reader returns, and how
 * a reader is asked. The CLI (`skyhook trace`, `skyhook events`), the admin API and the ops
 * page are built on these types; they change only by adding.
 */

/**
 * Every outcome the journal records. A delivery: accepted, duplicate, filtered, rejected (not a
 * valid envelope). Later, per job run or operator action: applied, stale (skipped, kept),
 * retried, held (its downstream is unavailable), dead-lettered, replayed, adopted (moved from
 * the catch-all to a new handler's queue), purged, trimmed (a kept-queue bound removed it).
 */
export const journalOutcomes = [
  "accepted",
  "duplicate",
  "filtered",
  "rejected",
  "applied",
  "stale",
  "retried",
  "held",
  "dead-lettered",
  "replayed",
  "adopted",
  "purged",
  "trimmed",
] as const;
export const JournalOutcome = z.enum(journalOutcomes);
export type JournalOutcome = z.infer<typeof JournalOutcome>;

/**
 * What a writer records of one event besides its outcome; the time is the entry's stream id.
 * Ids and sizes only, as the logs carry them: never payload content, never personal data.
 */
export type JournalFields = {
  /** Empty when the job's data could not be read as an event. */
  deliveryId: string;
  jobId: string;
  subscription: string;
  eventType: string;
  operation: string;
  pnrId?: string | undefined;
  tripId?: string | undefined;
  /** The entity id of a TRAVELER_V2 event. */
  travelerId?: string | undefined;
  version?: number | undefined;
  /** The delivery's body as received, in bytes (deliveries only). */
  bodyBytes?: number | undefined;
  /** Why, in at most 200 characters: a filter, a failure, a staleness, where a replay went. */
  reason?: string | undefined;
};

/** Where the event an entry speaks of is kept, for `skyhook inspect` and the operator page's link. */
export type JournalKept = {
  location: KeptLocation;
  /** The queue holding it, e.g. `{pnr-v3.flight-cancelled}.dead-letter`. */
  queue: string;
  jobId: string;
};

/** One entry as a reader returns it. */
export type JournalEntry = JournalFields & {
  /** The stream id (`<ms>-<seq>`): unique within its queue's journal, ordered by time. */
  id: string;
  /** When it was written, ISO-8601 in UTC (the stream id's milliseconds). */
  at: string;
  /** The queue whose journal holds it (`{unrouted}` for the catch-all, `{rejected}`). */
  queue: string;
  outcome: JournalOutcome;
  /** Where its event was kept when the entry was written; absent when it was not kept. */
  kept?: JournalKept | undefined;
};

const Id = z.string().trim().min(1).max(512);

/** What a timeline is of: exactly one of a PNR, a trip, a traveler or a delivery. */
export const TimelineQuery = z
  .object({
    pnr: Id.optional(),
    trip: Id.optional(),
    traveler: Id.optional(),
    deliveryId: Id.optional(),
    /** The newest this many entries, in time order. */
    limit: z.number().int().min(1).max(10_000).default(1_000),
  })
  .refine(
    (q) => [q.pnr, q.trip, q.traveler, q.deliveryId].filter((v) => v !== undefined).length === 1,
    { message: "name exactly one of pnr, trip, traveler, deliveryId" },
  );
export type TimelineQuery = z.infer<typeof TimelineQuery>;

/** Where a page of a search ended: the last entry read, handed back for the next page. */
export const JournalCursor = z.string().transform((value, ctx) => {
  const position = decodeCursor(value);
  if (position === undefined) {
    ctx.addIssue({ code: "custom", message: "not a cursor a search returned" });
    return z.NEVER;
  }
  return position;
});
export type JournalCursor = z.infer<typeof JournalCursor>;

/** A search over every queue's journal, newest first, paged. Every filter optional. */
export const JournalSearch = z.object({
  operation: z.string().trim().min(1).optional(),
  outcome: JournalOutcome.optional(),
  subscription: z.string().trim().min(1).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(1_000).default(50),
  cursor: JournalCursor.optional(),
});
export type JournalSearch = z.infer<typeof JournalSearch>;

/** One page of a search; `cursor` is absent once nothing older remains. */
export type JournalPage = { entries: JournalEntry[]; cursor: string | undefined };

export type JournalReader = {
  /** Every entry of one PNR, trip, traveler or delivery across every queue, oldest first. */
  timeline(query: TimelineQuery): Promise<JournalEntry[]>;
  /** Entries matching the filters across every queue, newest first, a page at a time. */
  search(query: JournalSearch): Promise<JournalPage>;
};

/** A position in the merged order of every queue's journal (by stream id, then queue name). */
export type JournalPosition = { id: string; queue: string };

const streamId = /^\d{1,16}-\d{1,20}$/;

export function encodeCursor(position: JournalPosition): string {
  return Buffer.from(`${position.id} ${position.queue}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): JournalPosition | undefined {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const space = text.indexOf(" ");
  const id = text.slice(0, space);
  const queue = text.slice(space + 1);
  return space > 0 && streamId.test(id) && queue.length > 0 ? { id, queue } : undefined;
}

/** Settings every journal writer shares. Off only for a measurement (the bench's `JOURNAL=off`). */
export type JournalSettings = { enabled: boolean; maxAgeSec: number };

/** Spotnana retries for 14 days: the journal covers what can still arrive. */
export const defaultJournalSettings: JournalSettings = {
  enabled: true,
  maxAgeSec: 14 * 24 * 3600,
};
