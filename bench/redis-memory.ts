import type { Redis } from "ioredis";
import { median } from "./stats.ts";

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  const match = /^used_memory:(\d+)/m.exec(info);
  if (match?.[1] === undefined) throw new Error("INFO memory has no used_memory");
  return Number(match[1]);
}

/** Where an accepted event's bytes go, from a sample of waiting jobs (medians, bytes). */
export type EventFootprint = {
  /** `MEMORY USAGE` of the job's hash, and the length of its `data` field. */
  jobHash: number;
  jobData: number;
  /** `MEMORY USAGE` of BullMQ's deduplication key for the job, when there is one. */
  dedupKey: number | undefined;
};

/** Reads the footprint of up to `sample` jobs waiting in `queue` (BullMQ's key layout). */
export async function eventFootprint(
  redis: Redis,
  prefix: string,
  queue: string,
  sample = 50,
): Promise<EventFootprint> {
  const base = `${prefix}:${queue}`;
  const jobIds = await redis.lrange(`${base}:wait`, 0, sample - 1);
  const pipeline = redis.pipeline();
  for (const id of jobIds) {
    pipeline.memory("USAGE", `${base}:${id}`, "SAMPLES", "0");
    pipeline.hstrlen(`${base}:${id}`, "data");
    pipeline.memory("USAGE", `${base}:de:${id}`);
  }
  const answers = ((await pipeline.exec()) ?? []).map(([err, value]) => (err ? null : value));
  const column = (k: number) =>
    answers.filter((_, i) => i % 3 === k).flatMap((v) => (typeof v === "number" ? [v] : []));
  const dedup = column(2);
  return {
    jobHash: median(column(0)),
    jobData: median(column(1)),
    dedupKey: dedup.length === 0 ? undefined : median(dedup),
  };
}
