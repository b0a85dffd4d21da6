import { type RejectedDeliveryJob, rejectedQueueName } from "@skyhook/contracts";
import { sha256Id } from "./job-ids.ts";
import type { JournalFields } from "./journal/entry.ts";
import type { JournalWriter } from "./journal/writer.ts";
import type { QueuePool } from "./queue-pool.ts";
import { withTimeout } from "./with-timeout.ts";

export type RejectedWriter = {
  /**
   * Keeps one copy per distinct body (job id `iv-<sha256 of the body>`) and journals the
   * delivery as rejected (every time, a copy kept before or not); never throws. True when the
   * copy is stored.
   */
  keep(
    copy: RejectedDeliveryJob,
    rawBody: Buffer,
    entry: Omit<JournalFields, "jobId">,
  ): Promise<boolean>;
};

/**
 * A delivery that authenticates but is not a valid envelope is refused with 400, so Spotnana
 * retries it for two weeks. Its copy lets an operator see what Spotnana sends and adapt the
 * contract, instead of reading it from logs that never carry payloads. Nothing consumes the
 * queue, so no retention option of BullMQ's ever applies to it: the kept-queue sweeper bounds
 * it (`REJECTED_MAX_COUNT`, `REJECTED_MAX_AGE_SEC`).
 */
export function createRejectedWriter(options: {
  queues: QueuePool;
  journal: JournalWriter;
  timeoutMs: number;
}): RejectedWriter {
  const settled = (work: Promise<unknown>) =>
    withTimeout(work, options.timeoutMs, "Redis").then(
      () => true,
      () => false,
    );
  return {
    async keep(copy, rawBody, entry) {
      const jobId = `iv-${sha256Id(rawBody.toString("base64"))}`;
      // Sent together, on one connection and in one slot: the entry costs no wait of its own.
      const [kept] = await Promise.all([
        settled(options.queues.get(rejectedQueueName).add("rejected", copy, { jobId })),
        settled(options.journal.write(rejectedQueueName, "rejected", { ...entry, jobId })),
      ]);
      return kept;
    },
  };
}
