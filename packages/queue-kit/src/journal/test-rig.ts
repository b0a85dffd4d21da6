import { type QueueNames, queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { Redis } from "ioredis";
import { webhookJobId } from "../job-ids.ts";
import { keyNames } from "../keys.ts";
import {
  defaultJournalSettings,
  type JournalFields,
  JournalSearch,
  type JournalSettings,
  TimelineQuery,
} from "./entry.ts";
import { createJournalReader } from "./reader.ts";
import { createJournalWriter } from "./writer.ts";

/** What the journal's tests share: a connection, a prefix per test, a writer and a reader. */
export const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
  maxRetriesPerRequest: null,
});
const prefixes: string[] = [];

/** Deletes every key the tests wrote, and only those; then disconnects. */
export async function cleanUp(): Promise<void> {
  for (const prefix of prefixes) {
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      if (found.length > 0) await redis.del(...found);
      cursor = next;
    } while (cursor !== "0");
  }
  redis.disconnect();
}

export const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
export const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");

export const fields = (deliveryId: string, extra: Partial<JournalFields> = {}): JournalFields => ({
  deliveryId,
  jobId: webhookJobId(deliveryId),
  subscription: "tmc",
  eventType: "PNR_V3",
  operation: "FLIGHT_CANCELLED",
  pnrId: "PNR-1",
  ...extra,
});

export function journalRig(settings: JournalSettings = defaultJournalSettings) {
  const prefix = `test-journal-${Math.random().toString(16).slice(2, 10)}`;
  prefixes.push(prefix);
  const keys = keyNames(prefix);
  const queues: QueueNames[] = [cancelled, created, unroutedQueueNames];
  const writer = createJournalWriter(redis, keys, settings);
  const reader = createJournalReader({ redis, keys, queueNames: async () => queues, settings });
  const timeline = (query: Record<string, unknown>) => reader.timeline(TimelineQuery.parse(query));
  const search = (query: Record<string, unknown>) => reader.search(JournalSearch.parse(query));
  return { prefix, keys, queues, writer, reader, timeline, search };
}
