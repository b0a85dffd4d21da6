import type { EntityOrder, EventJob, StaleEventJob } from "@skyhook/contracts";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import type { QueuePool } from "./queue-pool.ts";

export type StaleEvents = {
  /** Keeps an event that arrived after a newer state of its entity was applied. */
  record(
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
export function createStaleEvents(options: {
  queues: QueuePool;
  logger: Logger;
  now?: () => Date;
}): StaleEvents {
  const now = options.now ?? (() => new Date());
  return {
    async record(job, event, queueNames, order, newest) {
      const jobId = job.id ?? "unknown";
      const kept: StaleEventJob = {
        v: 1,
        event,
        stale: { queue: queueNames.queue, jobId, order, newest, skippedAt: now().toISOString() },
      };
      await options.queues.get(queueNames.stale).add(job.name, kept, { jobId: `st-${jobId}` });
      options.logger.info(
        { jobId, entity: order.entity, version: order.version, newestVersion: newest.version },
        "stale event skipped and kept",
      );
    },
  };
}
