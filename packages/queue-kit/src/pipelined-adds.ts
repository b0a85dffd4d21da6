import { Job, type JobsOptions, type Queue } from "bullmq";
import type { ItemResult } from "./turn-batcher.ts";

export type JobToAdd = { name: string; data: unknown; opts: JobsOptions & { jobId: string } };

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Adds jobs to one queue over one pipeline: one socket write and one round trip for all of
 * them, where `Queue.add` makes one each. Each job is BullMQ's own (`Job.addJob`, the insert
 * `Queue.addBulk` uses), so dedup, retention and retry options mean what they mean for `add`.
 * Unlike `addBulk`, which throws the first error for all, each job gets its own result: one
 * refused job fails only its own delivery. Every key of a queue carries the queue's hash tag,
 * so on a Cluster the pipeline stays in one slot.
 */
export async function addJobsPipelined(
  queue: Queue,
  jobs: readonly JobToAdd[],
): Promise<ItemResult<string>[]> {
  const client = await queue.getBackend().client;
  const pipeline = client.pipeline();
  // Job.addJob queues its one command synchronously, before its first await, so the commands
  // are in the pipeline in the jobs' order once map returns; a job it refuses queues none.
  const refusals = await Promise.all(
    jobs.map(async (job) => {
      try {
        await new Job(queue, job.name, job.data, job.opts, job.opts.jobId).addJob(pipeline);
        return undefined;
      } catch (err) {
        return asError(err);
      }
    }),
  );
  const queued = refusals.filter((refusal) => refusal === undefined).length;
  const replies = queued === 0 ? [] : await pipeline.exec();
  if (replies === null || replies.length !== queued) {
    throw new Error(`the pipeline answered ${replies?.length ?? 0} of ${queued} job inserts`);
  }
  let next = 0;
  return refusals.map((refusal): ItemResult<string> => {
    if (refusal !== undefined) return { ok: false, error: refusal };
    const [err, reply] = replies[next++] ?? [new Error("no reply"), undefined];
    if (err !== null) return { ok: false, error: err };
    // BullMQ's insert scripts answer a negative code instead of an id for a refused job.
    if (typeof reply === "number" && reply < 0)
      return { ok: false, error: new Error(`BullMQ refused the job (code ${reply})`) };
    return { ok: true, value: String(reply) };
  });
}
