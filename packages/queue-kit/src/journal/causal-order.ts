import type { JournalEntry } from "./entry.ts";

const jobOf = (entry: JournalEntry) => `${entry.queue}|${entry.jobId}`;

/**
 * Puts each `accepted` entry before every other entry of its own job. The ingress journals
 * `accepted` in the count that follows the job's add, so a worker that finishes the job within
 * that round trip has its outcome stamped first by Redis's clock. A job's story starts with its
 * acceptance whatever the clock says; each entry keeps its own time. `entries` are in time order.
 */
export function acceptedFirst(entries: readonly JournalEntry[]): JournalEntry[] {
  const firstOfJob = new Map<string, JournalEntry>();
  for (const entry of entries)
    if (!firstOfJob.has(jobOf(entry))) firstOfJob.set(jobOf(entry), entry);
  const late = new Map<JournalEntry, JournalEntry>();
  for (const entry of entries) {
    const first = firstOfJob.get(jobOf(entry));
    if (
      entry.outcome === "accepted" &&
      entry.jobId !== "" &&
      first !== undefined &&
      first !== entry
    )
      late.set(first, entry);
  }
  if (late.size === 0) return [...entries];
  const moved = new Set(late.values());
  return entries.flatMap((entry) => {
    if (moved.has(entry)) return [];
    const accepted = late.get(entry);
    return accepted === undefined ? [entry] : [accepted, entry];
  });
}
