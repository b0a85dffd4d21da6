import type { EntityOrder, EventJob, StaleEventJob } from "@skyhook/contracts";
import type { Job } from "bullmq";
import { staleJobId } from "./job-ids.ts";
import type { QueuePool } from "./queue-pool.ts";

export type StaleWriter = {
  /** Keeps an event that arrived after a newer state of its entity was applied. */
  write(
    job: Job,
    event: EventJob,
    queueNames: { queue: string; stale: string },
    order: EntityOrder,
    newest: EntityOrder,
  ): Promise<void>;
};

/**
 * A stale event is neither an error nor lost: it is kept whole in the operation's `.stale`
 * queue, which nothing consumes, so it stays visible in the dashboard, replayable, and
 * countable (the queue's size). Its id derives from the job's, so a re-run keeps one copy.
 */
export function createStaleWriter(options: { queues: QueuePool; now?: () => Date }): StaleWriter {
  const now = options.now ?? (() => new Date());
  return {
    async write(job, event, queueNames, order, newest) {
      const jobId = job.id ?? "unknown";
      const kept: StaleEventJob = {
        v: 1,
        event,
        stale: { queue: queueNames.queue, jobId, order, newest, skippedAt: now().toISOString() },
      };
      await options.queues.get(queueNames.stale).add(job.name, kept, { jobId: staleJobId(jobId) });
    },
  };
}
