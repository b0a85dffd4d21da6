import type { EventJob, Route } from "@skyhook/contracts";
import { unroutedQueueNames } from "@skyhook/contracts";
import { type EventJobSettings, eventJobOptions, jobNameOf } from "./job-options.ts";
import type { Ledger } from "./ledger.ts";
import type { QueuePool } from "./queue-pool.ts";
import { withTimeout } from "./with-timeout.ts";

export type EnqueueResult = "accepted" | "duplicate";

export type Enqueuer = {
  /**
   * Resolves once Redis holds the job (or already held it) and the delivery is counted;
   * throws StorageUnavailable when Redis cannot confirm that in time.
   */
  enqueue(route: Route, job: EventJob, jobId: string): Promise<EnqueueResult>;
  /** Counts a delivery a subscription filter dropped, once per delivery id. */
  filtered(
    route: Route,
    job: Pick<EventJob, "subscription" | "eventType" | "operation">,
    jobId: string,
    reason: string,
  ): Promise<"filtered" | "duplicate">;
};

/** Redis could not confirm the event is stored: the sender must retry. */
export class StorageUnavailable extends Error {
  override name = "StorageUnavailable";
}

/**
 * Stores events for the ingress. The job is added first, then counted: a crash in between
 * leaves a stored, uncounted job, which the sender's retry (it got no 200) counts. Adding is
 * idempotent (job id and a TTL'd deduplication key), so a re-send never stores twice.
 */
export function createEnqueuer(options: {
  queues: QueuePool;
  ledger: Ledger;
  timeoutMs: number;
  settings: EventJobSettings;
}): Enqueuer {
  const { queues, ledger, timeoutMs, settings } = options;
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(work(), timeoutMs, "Redis");
    } catch (err) {
      throw new StorageUnavailable("the event could not be stored", { cause: err });
    }
  };
  return {
    enqueue: (route, job, jobId) =>
      guarded(async () => {
        const queue = route.queues.queue;
        await queues.get(queue).add(jobNameOf(job), job, eventJobOptions(route, jobId, settings));
        return ledger.countDelivery(queue, jobId, job, {
          indexPair: queue === unroutedQueueNames.queue,
        });
      }),
    filtered: (route, job, jobId, reason) =>
      guarded(() =>
        ledger.countFiltered(route.queues.queue, jobId, job, reason, settings.dedupTtlSec),
      ),
  };
}
