import { type QueueNames, rejectedQueueName } from "@skyhook/contracts";
import type { RedisClient } from "../connections.ts";
import type { KeyNames } from "../keys.ts";

/**
 * Brings each queue's journal (and `{rejected}`'s) within `maxEntries`: `XTRIM MAXLEN ~`, which
 * removes whole stream nodes only, so a journal may hold a node's worth more (Redis's
 * `stream-node-max-bytes` and `-entries`: a few dozen entries by default). The age bound needs no sweep: every write drops what is older (`MINID ~`).
 * Indexes may still name trimmed entries; readers skip them, and the indexes' own age bound
 * and TTL remove them. Returns how many entries each queue's journal lost.
 */
export async function trimJournals(
  redis: RedisClient,
  keys: KeyNames,
  queues: readonly QueueNames[],
  maxEntries: number,
): Promise<Record<string, number>> {
  const trimmed: Record<string, number> = {};
  for (const queue of [...queues.map((names) => names.queue), rejectedQueueName]) {
    const removed = await redis.xtrim(keys.journal(queue), "MAXLEN", "~", maxEntries);
    if (removed > 0) trimmed[queue] = removed;
  }
  return trimmed;
}
