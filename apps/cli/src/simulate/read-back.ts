import { type QueueNames, unroutedQueueNames } from "@skyhook/contracts";
import type { RedisClient } from "@skyhook/queue-kit";
import {
  deadLetterJobId,
  type KeyNames,
  type QueuePool,
  readLedger,
  replayJobId,
  staleJobId,
} from "@skyhook/queue-kit";

/** Replays looked for per job (`rp1-…` to `rp3-…`): more than an operator does to one event. */
const replaysChecked = 3;

export type JobWhereabouts = {
  /** The job, its dead letter or its stale copy exists somewhere Skyhook keeps events. */
  found: boolean;
  /** Waiting, delayed or running in a consumed queue: not settled yet. */
  inFlight: boolean;
  /** Completed jobs: the original and any replays of it. */
  completed: number;
  /** When a worker finished the original job (its `finishedOn`, the worker's clock). */
  finishedOnMs?: number;
};

/** Where one job id is within one queue triple (queue, dead-letter, stale). */
type Sighting = {
  exists: boolean;
  completed: boolean;
  failed: boolean;
  deadLettered: boolean;
  stale: boolean;
  replayed: number;
  finishedOnMs: number | undefined;
};

/**
 * Where each job id is within one queue triple, in one pipelined round trip. The triple shares
 * one hash tag, so on Redis Cluster the pipeline stays in one slot.
 */
async function sightingsIn(
  redis: RedisClient,
  keys: KeyNames,
  q: QueueNames,
  jobIds: readonly string[],
): Promise<Sighting[]> {
  const pipeline = redis.pipeline();
  const replays = (jobId: string) => {
    const ids = [replayJobId(jobId)];
    while (ids.length < replaysChecked) ids.push(replayJobId(ids.at(-1) ?? jobId));
    return ids;
  };
  for (const jobId of jobIds) {
    pipeline.exists(keys.job(q.queue, jobId));
    pipeline.hget(keys.job(q.queue, jobId), "finishedOn");
    pipeline.zscore(`${keys.prefix}:${q.queue}:completed`, jobId);
    pipeline.zscore(`${keys.prefix}:${q.queue}:failed`, jobId);
    pipeline.exists(keys.job(q.deadLetter, deadLetterJobId(jobId)));
    pipeline.exists(keys.job(q.stale, staleJobId(jobId)));
    for (const replay of replays(jobId))
      pipeline.zscore(`${keys.prefix}:${q.queue}:completed`, replay);
  }
  const results = (await pipeline.exec()) ?? [];
  let i = 0;
  const take = () => {
    const [err, value] = results[i++] ?? [new Error("missing pipeline answer"), null];
    if (err) throw err;
    return value;
  };
  return jobIds.map(() => {
    const exists = take() === 1;
    const finishedOn = take();
    const sighting: Sighting = {
      exists,
      finishedOnMs: typeof finishedOn === "string" ? Number(finishedOn) : undefined,
      completed: take() !== null,
      failed: take() !== null,
      deadLettered: take() === 1,
      stale: take() === 1,
      replayed: 0,
    };
    for (let r = 0; r < replaysChecked; r++) if (take() !== null) sighting.replayed++;
    return sighting;
  });
}

/** Where each job id is, across every queue triple given: one round trip per triple. */
export async function locateJobs(
  redis: RedisClient,
  keys: KeyNames,
  queues: readonly QueueNames[],
  jobIds: readonly string[],
): Promise<Map<string, JobWhereabouts>> {
  const perQueue = await Promise.all(queues.map((q) => sightingsIn(redis, keys, q, jobIds)));
  const located = new Map<string, JobWhereabouts>();
  jobIds.forEach((jobId, j) => {
    const where: JobWhereabouts = { found: false, inFlight: false, completed: 0 };
    queues.forEach((q, n) => {
      const s = perQueue[n]?.[j];
      if (s === undefined) throw new Error("missing sighting");
      where.found ||= s.exists || s.deadLettered || s.stale || s.replayed > 0;
      // Nothing consumes the catch-all queue: an event waiting there is kept, not in flight.
      const kept = q.queue === unroutedQueueNames.queue;
      where.inFlight ||=
        s.exists && !kept && !s.completed && !s.failed && !s.deadLettered && !s.stale;
      where.completed += (s.completed ? 1 : 0) + s.replayed;
      if (s.completed && s.finishedOnMs !== undefined) where.finishedOnMs = s.finishedOnMs;
    });
    located.set(jobId, where);
  });
  return located;
}

/** Events the ledger counted as accepted but finds nowhere: its sum of positive differences. */
export async function ledgerShortfall(
  redis: RedisClient,
  keys: KeyNames,
  pool: QueuePool,
  queues: readonly QueueNames[],
): Promise<number> {
  const report = await readLedger(redis, keys, pool, queues);
  return report.queues.reduce((sum, q) => sum + Math.max(0, q.difference), 0);
}
