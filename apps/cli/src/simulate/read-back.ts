import { type QueueNames, unroutedQueueNames } from "@skyhook/contracts";
import {
  deadLetterJobId,
  type KeyNames,
  type QueuePool,
  readLedger,
  replayJobId,
  staleJobId,
} from "@skyhook/queue-kit";
import type { Redis } from "ioredis";

/** Replays looked for per job (`rp1-…` to `rp3-…`): more than an operator does to one event. */
const replaysChecked = 3;

export type JobWhereabouts = {
  /** The job, its dead letter or its stale copy exists somewhere Skyhook keeps events. */
  found: boolean;
  /** Waiting, delayed or running in a consumed queue: not settled yet. */
  inFlight: boolean;
  /** Completed jobs: the original and any replays of it. */
  completed: number;
};

/** Where each job id is, across every queue triple given, in one pipelined round trip. */
export async function locateJobs(
  redis: Redis,
  keys: KeyNames,
  queues: readonly QueueNames[],
  jobIds: readonly string[],
): Promise<Map<string, JobWhereabouts>> {
  const pipeline = redis.pipeline();
  const replays = (jobId: string) => {
    const ids = [replayJobId(jobId)];
    while (ids.length < replaysChecked) ids.push(replayJobId(ids.at(-1) ?? jobId));
    return ids;
  };
  for (const jobId of jobIds)
    for (const q of queues) {
      pipeline.exists(keys.job(q.queue, jobId));
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
  const located = new Map<string, JobWhereabouts>();
  for (const jobId of jobIds) {
    const where: JobWhereabouts = { found: false, inFlight: false, completed: 0 };
    for (const q of queues) {
      const exists = take() === 1;
      const completed = take() !== null;
      const failed = take() !== null;
      const deadLettered = take() === 1;
      const stale = take() === 1;
      let replayed = 0;
      for (let r = 0; r < replaysChecked; r++) if (take() !== null) replayed++;
      where.found ||= exists || deadLettered || stale || replayed > 0;
      // Nothing consumes the catch-all queue: an event waiting there is kept, not in flight.
      const kept = q.queue === unroutedQueueNames.queue;
      where.inFlight ||= exists && !kept && !completed && !failed && !deadLettered && !stale;
      where.completed += (completed ? 1 : 0) + replayed;
    }
    located.set(jobId, where);
  }
  return located;
}

/** Events the ledger counted as accepted but finds nowhere: its sum of positive differences. */
export async function ledgerShortfall(
  redis: Redis,
  keys: KeyNames,
  pool: QueuePool,
  queues: readonly QueueNames[],
): Promise<number> {
  const report = await readLedger(redis, keys, pool, queues);
  return report.queues.reduce((sum, q) => sum + Math.max(0, q.difference), 0);
}
