import type { RedisClient } from "../connections.ts";
import type { KeyNames } from "../keys.ts";
import {
  encodeCursor,
  type JournalEntry,
  type JournalPage,
  type JournalPosition,
  type JournalSearch,
} from "./entry.ts";
import { compareEntries, type JournalSource, parseReply, type StreamReply } from "./parse-entry.ts";

/**
 * At most this many entries are read for one page. A filter that matches little ends its page
 * early, with a cursor to go on from, rather than reading fourteen days of traffic at once.
 */
export const searchBudget = 20_000;

type Stream = {
  source: JournalSource;
  /** Read, not yet merged: newest first. */
  buffer: JournalEntry[];
  /** The upper bound of the next read (XREVRANGE's end; `(` makes it exclusive). */
  end: string;
  done: boolean;
};

/**
 * Where a stream's reading starts. The merged order is the timeline's reversed (stream id, then
 * queue name, both descending), so after a cursor (the last position a page read) come the
 * entries that are older, or as old and in a queue named before the cursor's.
 */
function firstEnd(queue: string, query: JournalSearch): string {
  const cursor = query.cursor;
  if (cursor !== undefined) return queue < cursor.queue ? cursor.id : `(${cursor.id}`;
  return query.until === undefined ? "+" : String(query.until.getTime());
}

function matches(entry: JournalEntry, query: JournalSearch): boolean {
  if (query.operation !== undefined && entry.operation !== query.operation) return false;
  if (query.outcome !== undefined && entry.outcome !== query.outcome) return false;
  if (query.subscription !== undefined && entry.subscription !== query.subscription) return false;
  if (query.until !== undefined && Date.parse(entry.at) > query.until.getTime()) return false;
  return true;
}

/**
 * Every queue's journal merged newest first, filtered, a page at a time: each stream is read
 * backwards in batches (XREVRANGE, one command per stream and batch, the streams at once), and
 * the newest head among them is taken next. The cursor names the last entry read, so a page
 * that ends early on the budget goes on where it stopped.
 */
export async function searchJournal(
  redis: RedisClient,
  keys: KeyNames,
  sources: readonly JournalSource[],
  query: JournalSearch,
): Promise<JournalPage> {
  const start = query.since === undefined ? "-" : String(query.since.getTime());
  const batch = Math.min(500, Math.max(50, query.limit));
  const streams: Stream[] = sources.map((source) => ({
    source,
    buffer: [],
    end: firstEnd(source.queue, query),
    done: false,
  }));
  const refill = async (stream: Stream) => {
    const reply = (await redis.xrevrange(
      keys.journal(stream.source.queue),
      stream.end,
      start,
      "COUNT",
      batch,
    )) as StreamReply;
    stream.buffer = parseReply(stream.source, reply);
    const last = reply.at(-1);
    if (last === undefined || reply.length < batch) stream.done = true;
    else stream.end = `(${last[0]}`;
  };
  const entries: JournalEntry[] = [];
  let scanned = 0;
  let position: JournalPosition | undefined;
  for (;;) {
    // A stream whose batch held only entries this version cannot read refills again.
    while (streams.some((s) => !s.done && s.buffer.length === 0))
      await Promise.all(streams.filter((s) => !s.done && s.buffer.length === 0).map(refill));
    let newest: Stream | undefined;
    for (const stream of streams) {
      const head = stream.buffer[0];
      const best = newest?.buffer[0];
      if (head !== undefined && (best === undefined || compareEntries(head, best) > 0))
        newest = stream;
    }
    const entry = newest?.buffer.shift();
    if (entry === undefined) return { entries, cursor: undefined };
    scanned += 1;
    position = { id: entry.id, queue: entry.queue };
    if (matches(entry, query)) entries.push(entry);
    if (entries.length >= query.limit || scanned >= searchBudget)
      return { entries, cursor: encodeCursor(position) };
  }
}
