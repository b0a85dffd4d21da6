import type { DeadLetterJob, DeadLetterReason, FailedAttempt } from "@skyhook/contracts";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import type { QueuePool } from "./queue-pool.ts";

export type DeadLetterer = {
  /** Idempotent: the dead letter's id derives from the job's, so a repeat adds nothing. */
  deadLetter(
    job: Job,
    queueName: string,
    reason: DeadLetterReason,
    lastError: string,
  ): Promise<void>;
};

const firstLine = (text: string) => text.split("\n", 1)[0] ?? "";

/** BullMQ keeps one stack trace per failed attempt; the current attempt has not failed yet. */
function historyOf(job: Job, lastError: string): FailedAttempt[] {
  const earlier = (job.stacktrace ?? []).map((stack, index) => ({
    attempt: index + 1,
    error: firstLine(stack),
  }));
  const current = job.attemptsMade + 1;
  return earlier.length >= current ? earlier : [...earlier, { attempt: current, error: lastError }];
}

export function createDeadLetterer(options: {
  queues: QueuePool;
  deadLetterQueueOf: (queueName: string) => string;
  logger: Logger;
  now?: () => Date;
}): DeadLetterer {
  const now = options.now ?? (() => new Date());
  return {
    async deadLetter(job, queueName, reason, lastError) {
      const jobId = job.id ?? "unknown";
      const letter: DeadLetterJob = {
        v: 1,
        event: job.data,
        failure: {
          reason,
          queue: queueName,
          jobId,
          attemptsMade: job.attemptsMade,
          history: historyOf(job, firstLine(lastError)),
          deadLetteredAt: now().toISOString(),
        },
      };
      const deadLetterQueue = options.deadLetterQueueOf(queueName);
      await options.queues.get(deadLetterQueue).add(job.name, letter, { jobId: `dl-${jobId}` });
      options.logger.warn(
        { queue: queueName, jobId, reason, attemptsMade: job.attemptsMade, deadLetterQueue },
        "event dead-lettered",
      );
    },
  };
}
