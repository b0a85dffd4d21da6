import { type RejectedDeliveryJob, rejectedQueueName } from "@skyhook/contracts";
import { sha256Id } from "./job-ids.ts";
import type { QueuePool } from "./queue-pool.ts";
import { withTimeout } from "./with-timeout.ts";

/** How many distinct rejected bodies are kept; the oldest go first. */
const keptCount = 10_000;

export type RejectedWriter = {
  /** Keeps one copy per distinct body (job id `iv-<sha256 of the body>`); never throws. */
  keep(copy: RejectedDeliveryJob, rawBody: Buffer): Promise<boolean>;
};

/**
 * A delivery that authenticates but is not a valid envelope is refused with 400, so Spotnana
 * retries it for two weeks. Its copy lets an operator see what Spotnana sends and adapt the
 * contract, instead of reading it from logs that never carry payloads.
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
          options.queues.get(rejectedQueueName).add("rejected", copy, {
            jobId,
            removeOnComplete: { count: keptCount },
          }),
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
