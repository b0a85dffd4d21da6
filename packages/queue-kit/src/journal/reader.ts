import { type QueueNames, rejectedQueueName } from "@skyhook/contracts";
import type { RedisClient } from "../connections.ts";
import type { JournalEntity, KeyNames } from "../keys.ts";
import { acceptedFirst } from "./causal-order.ts";
import type { JournalEntry, JournalReader, JournalSettings, TimelineQuery } from "./entry.ts";
import { indexIdOf, storedText, utcDayOf } from "./journal-lua.ts";
import { compareEntries, type JournalSource, parseReply, type StreamReply } from "./parse-entry.ts";
import { searchJournal } from "./search.ts";

const dayMs = 24 * 3600 * 1000;

type Subject = { kind: JournalEntity; id: string } | { kind: "delivery"; id: string };

function subjectOf(query: TimelineQuery): Subject {
  if (query.pnr !== undefined) return { kind: "pnr", id: query.pnr };
  if (query.trip !== undefined) return { kind: "trip", id: query.trip };
  if (query.traveler !== undefined) return { kind: "traveler", id: query.traveler };
  return { kind: "delivery", id: query.deliveryId ?? "" };
}

/** The UTC days a delivery id may be indexed under within the horizon, newest first. */
function daysWithin(nowMs: number, maxAgeSec: number): string[] {
  const days: string[] = [];
  for (let at = nowMs; at >= nowMs - maxAgeSec * 1000 - dayMs; at -= dayMs)
    days.push(utcDayOf(new Date(at)));
  return days;
}

type Replies = Array<[Error | null, unknown]> | null;

/**
 * Reads the journal of every queue Skyhook knows (the catalog's, the announced ones, the
 * catch-all) and of `{rejected}`. A timeline finds its entries through the indexes, then reads
 * each one by id: an index may still name an entry the size bound trimmed, which is skipped.
 * Each queue's commands go in one pipeline (its keys share the queue's hash tag: one Cluster
 * slot), the queues at once.
 */
export function createJournalReader(options: {
  redis: RedisClient;
  keys: KeyNames;
  queueNames: () => Promise<readonly QueueNames[]>;
  settings: Pick<JournalSettings, "maxAgeSec">;
  now?: () => Date;
}): JournalReader {
  const { redis, keys, settings } = options;
  const now = options.now ?? (() => new Date());
  const sources = async (): Promise<JournalSource[]> => [
    ...(await options.queueNames()).map((names) => ({ queue: names.queue, names })),
    { queue: rejectedQueueName, names: undefined },
  ];

  const idsOf = async (queue: string, subject: Subject, limit: number): Promise<string[]> => {
    const nowMs = now().getTime();
    if (subject.kind !== "delivery") {
      const index = keys.journalByEntity(queue, subject.kind, indexIdOf(subject.id));
      const cutoffMs = nowMs - settings.maxAgeSec * 1000;
      const ids = await redis.zrevrangebyscore(index, "+inf", cutoffMs, "LIMIT", 0, limit);
      return ids.reverse();
    }
    const pipeline = redis.pipeline();
    for (const day of daysWithin(nowMs, settings.maxAgeSec))
      pipeline.hget(keys.journalByDay(queue, day), storedText(subject.id));
    const replies: Replies = await pipeline.exec();
    return (replies ?? []).flatMap(([err, ids]) =>
      err === null && typeof ids === "string" ? ids.split(" ") : [],
    );
  };

  const entriesOf = async (source: JournalSource, ids: readonly string[]) => {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.xrange(keys.journal(source.queue), id, id);
    const replies: Replies = await pipeline.exec();
    return (replies ?? []).flatMap(([err, reply]) =>
      err === null ? parseReply(source, reply as StreamReply) : [],
    );
  };

  return {
    async timeline(query) {
      const subject = subjectOf(query);
      const perQueue = await Promise.all(
        (await sources()).map(async (source) =>
          entriesOf(source, await idsOf(source.queue, subject, query.limit)),
        ),
      );
      // A delivery's ids are indexed by day: entries past the horizon may still be named.
      const cutoffMs = now().getTime() - settings.maxAgeSec * 1000;
      const all: JournalEntry[] = perQueue
        .flat()
        .filter((entry) => Date.parse(entry.at) >= cutoffMs)
        .sort(compareEntries);
      return acceptedFirst(all.slice(-query.limit));
    },
    async search(query) {
      return searchJournal(redis, keys, await sources(), query);
    },
  };
}
