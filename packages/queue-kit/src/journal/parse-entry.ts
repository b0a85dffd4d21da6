import { type QueueNames, rejectedQueueName, unroutedQueueNames } from "@skyhook/contracts";
import { deadLetterJobId, filteredJobId, staleJobId } from "../job-ids.ts";
import {
  type JournalEntry,
  type JournalKept,
  JournalOutcome,
  type JournalPosition,
} from "./entry.ts";
import { jobIdOf } from "./journal-lua.ts";

/** A journal's stream, with the names of its queue's kept queues when it has them. */
export type JournalSource = { queue: string; names: QueueNames | undefined };

/** What XRANGE answers: entries as `[id, [field, value, …]]`. */
export type StreamReply = Array<[string, string[]]>;

const optionalText = (value: string | undefined) =>
  value === undefined || value === "" ? undefined : value;

const optionalNumber = (value: string | undefined) => {
  const number = value === undefined || value === "" ? Number.NaN : Number(value);
  return Number.isFinite(number) ? number : undefined;
};

/** Where the event an entry speaks of was kept: an outcome that keeps it, and its queue's names. */
function keptOf(entry: JournalEntry, source: JournalSource): JournalKept | undefined {
  if (entry.jobId === "") return undefined;
  switch (entry.outcome) {
    case "dead-lettered":
      return source.names === undefined
        ? undefined
        : {
            location: "dead-letter",
            queue: source.names.deadLetter,
            jobId: deadLetterJobId(entry.jobId),
          };
    case "stale":
      return source.names === undefined
        ? undefined
        : { location: "stale", queue: source.names.stale, jobId: staleJobId(entry.jobId) };
    case "accepted":
      return source.queue === unroutedQueueNames.queue
        ? { location: "catch-all", queue: source.queue, jobId: entry.jobId }
        : undefined;
    case "filtered":
      return source.names === undefined
        ? undefined
        : { location: "filtered", queue: source.names.filtered, jobId: filteredJobId(entry.jobId) };
    case "rejected":
      return { location: "rejected", queue: rejectedQueueName, jobId: entry.jobId };
    default:
      return undefined;
  }
}

/**
 * One stream entry as a reader returns it; undefined for an entry no writer of this version
 * wrote (an outcome it does not know), which readers skip.
 */
export function parseEntry(
  source: JournalSource,
  id: string,
  values: readonly string[],
): JournalEntry | undefined {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < values.length; i += 2) fields.set(values[i] ?? "", values[i + 1] ?? "");
  const outcome = JournalOutcome.safeParse(fields.get("o"));
  if (!outcome.success) return undefined;
  const deliveryId = fields.get("d") ?? "";
  const entry: JournalEntry = {
    id,
    at: new Date(Number(id.split("-")[0])).toISOString(),
    queue: source.queue,
    outcome: outcome.data,
    deliveryId,
    jobId: jobIdOf(fields.get("j") ?? "", deliveryId),
    subscription: fields.get("s") ?? "",
    eventType: fields.get("t") ?? "",
    operation: fields.get("op") ?? "",
  };
  const optional = {
    pnrId: optionalText(fields.get("p")),
    tripId: optionalText(fields.get("tr")),
    travelerId: optionalText(fields.get("tv")),
    version: optionalNumber(fields.get("v")),
    bodyBytes: optionalNumber(fields.get("b")),
    reason: optionalText(fields.get("r")),
  };
  for (const [name, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(entry, { [name]: value });
  const kept = keptOf(entry, source);
  if (kept !== undefined) entry.kept = kept;
  return entry;
}

export function parseReply(source: JournalSource, reply: StreamReply): JournalEntry[] {
  return reply.flatMap(([id, values]) => parseEntry(source, id, values) ?? []);
}

const partsOf = (id: string) => {
  const [ms = "0", seq = "0"] = id.split("-");
  return [Number(ms), Number(seq)] as const;
};

/** Stream ids in time order: negative when `a` was written first. */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = partsOf(a);
  const [bMs, bSeq] = partsOf(b);
  return aMs - bMs || aSeq - bSeq;
}

/**
 * The order of every queue's journal merged, oldest first: by stream id, then by queue name
 * (two queues' entries may share an id).
 */
export function compareEntries(a: JournalPosition, b: JournalPosition): number {
  return compareIds(a.id, b.id) || (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0);
}
