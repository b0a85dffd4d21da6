import type { DeadLetterJob, DeadLetterReason, FailedAttempt } from "@skyhook/contracts";
import type { Job } from "bullmq";
import { deadLetterJobId } from "./job-ids.ts";
import type { QueuePool } from "./queue-pool.ts";

export type DeadLetterWriter = {
  /**
   * Keeps the event in `deadLetterQueue` with why it failed. Idempotent: the dead letter's id
   * derives from the job's, so a repeat adds nothing.
   */
  write(
    job: Job,
    from: { queue: string; deadLetterQueue: string },
    reason: DeadLetterReason,
    lastError: string,
  ): Promise<void>;
  /** The same, unless the dead letter is already there; true when this call wrote it. */
  writeIfMissing(
    job: Job,
    from: { queue: string; deadLetterQueue: string },
    reason: DeadLetterReason,
    lastError: string,
  ): Promise<boolean>;
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

export function createDeadLetterWriter(options: {
  queues: QueuePool;
  now?: () => Date;
}): DeadLetterWriter {
  const now = options.now ?? (() => new Date());
  const writer: DeadLetterWriter = {
    async writeIfMissing(job, from, reason, lastError) {
      const existing = await options.queues
        .get(from.deadLetterQueue)
        .getJob(deadLetterJobId(job.id ?? "unknown"));
      if (existing !== undefined) return false;
      await writer.write(job, from, reason, lastError);
      return true;
    },
    async write(job, from, reason, lastError) {
      const jobId = job.id ?? "unknown";
      const letter: DeadLetterJob = {
        v: 1,
        event: job.data,
        failure: {
          reason,
          error: lastError,
          queue: from.queue,
          jobId,
          attemptsMade: job.attemptsMade,
          history: historyOf(job, lastError),
          deadLetteredAt: now().toISOString(),
        },
      };
      await options.queues
        .get(from.deadLetterQueue)
        .add(job.name, letter, { jobId: deadLetterJobId(jobId) });
    },
  };
  return writer;
}
