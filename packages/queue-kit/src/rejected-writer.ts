import { type RejectedDeliveryJob, rejectedQueueName } from "@skyhook/contracts";
import { sha256Id } from "./job-ids.ts";
import type { QueuePool } from "./queue-pool.ts";
import { withTimeout } from "./with-timeout.ts";

export type RejectedWriter = {
  /** Keeps one copy per distinct body (job id `iv-<sha256 of the body>`); never throws. */
  keep(copy: RejectedDeliveryJob, rawBody: Buffer): Promise<boolean>;
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
  timeoutMs: number;
}): RejectedWriter {
  return {
    async keep(copy, rawBody) {
      const jobId = `iv-${sha256Id(rawBody.toString("base64"))}`;
      try {
        await withTimeout(
          options.queues.get(rejectedQueueName).add("rejected", copy, { jobId }),
          options.timeoutMs,
          "Redis",
        );
        return true;
      } catch {
        return false;
      }
    },
  };
}
