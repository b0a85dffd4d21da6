import { JournalOutcome } from "@skyhook/queue-kit";
import { z } from "zod";

/*
 * The dashboard's JSON answers (bull-board's API and the ops API), for tests to parse with
 * `jsonOf`. Each schema names the fields tests read and lets the others through, so a test
 * that compares a whole answer (with `toEqual`) still compares all of it.
 */

/** A job as bull-board shows it (its data redacted, its name the dashboard's title). */
export const BoardJob = z.looseObject({ id: z.string(), name: z.string() });

/** One queue of bull-board's `GET /api/queues`. */
export const BoardQueue = z.looseObject({
  name: z.string(),
  displayName: z.string().optional(),
  readOnlyMode: z.boolean(),
  allowRetries: z.boolean(),
  /** `null` where the dashboard does not look for workers (queues nothing consumes). */
  hasWorkers: z.boolean().nullable(),
  counts: z.record(z.string(), z.number()),
  jobs: z.array(BoardJob),
});
export type BoardQueue = z.infer<typeof BoardQueue>;

export const BoardListing = z.looseObject({ queues: z.array(BoardQueue) });

/** bull-board's `GET /api/queues/<queue>/<job id>`. */
export const BoardJobAnswer = z.looseObject({ job: BoardJob });

/** An entry of the audit trail (`GET /ops/api/audit`), newest first. */
export const AuditEntryBody = z.looseObject({
  actor: z.string(),
  action: z.string(),
  dryRun: z.boolean(),
  filter: z.unknown(),
});
export const AuditAnswer = z.array(AuditEntryBody);

/** A kept event as `GET /ops/api/kept` lists it. */
export const KeptEventsAnswer = z.looseObject({
  events: z.array(z.looseObject({ jobId: z.string(), why: z.string() })),
});

/** A journal entry as the journal API answers it. */
export const JournalEntryBody = z.looseObject({
  outcome: JournalOutcome,
  deliveryId: z.string(),
  jobId: z.string(),
  kept: z.looseObject({ jobId: z.string() }).optional(),
});

/** `GET /ops/api/journal/timeline`: every entry of one PNR, trip, traveler or delivery. */
export const TimelineAnswer = z.looseObject({
  count: z.number(),
  entries: z.array(JournalEntryBody),
  /** The journal's age bound, so an empty timeline can say how far back it looked. */
  maxAgeSec: z.number(),
});

/** `GET /ops/api/journal/events`: one page of a search, and where the next one starts. */
export const JournalPageAnswer = z.looseObject({
  entries: z.array(JournalEntryBody),
  cursor: z.string().nullable(),
  maxAgeSec: z.number(),
});

/** An operation's state as the operations API (and `skyhook status --json`) reports it. */
export const HoldReportBody = z.looseObject({
  label: z.string(),
  queue: z.string(),
  condition: z.string(),
  state: z.string(),
  held: z.boolean(),
  heldJobs: z.number(),
  paused: z.looseObject({ actor: z.string(), reason: z.string() }).optional(),
});

/** `GET /ops/api/operations`. */
export const OperationsAnswer = z.looseObject({
  at: z.string(),
  operations: z.array(HoldReportBody),
});

/** `POST /ops/api/operations/pause`. */
export const PauseAnswer = z.looseObject({ operation: HoldReportBody });

/** `POST /ops/api/operations/resume`: whether it was paused, and its state now. */
export const ResumeAnswer = z.looseObject({ resumed: z.boolean(), operation: HoldReportBody });
