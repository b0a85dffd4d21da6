import type { EventJob, FilteredEventJob, Route } from "@skyhook/contracts";
import { unroutedQueueNames } from "@skyhook/contracts";
import { filteredJobId } from "./job-ids.ts";
import { createEventJobOptions, type EventJobSettings, jobNameOf } from "./job-options.ts";
import { journalFieldsOf } from "./journal/fields.ts";
import type { DeliveryCount, Ledger } from "./ledger.ts";
import { addJobsPipelined, type JobToAdd } from "./pipelined-adds.ts";
import type { QueuePool } from "./queue-pool.ts";
import type { ReplicationWait } from "./replication-wait.ts";
import { createTurnBatcher } from "./turn-batcher.ts";
import { withTimeout } from "./with-timeout.ts";

export type EnqueueResult = "accepted" | "duplicate";

export type Enqueuer = {
  /**
   * Resolves once Redis holds the job (or already held it) and the delivery is counted and
   * journaled (with `bodyBytes`, the body's size as received); throws StorageUnavailable when
   * Redis cannot confirm that in time.
   */
  enqueue(route: Route, job: EventJob, jobId: string, bodyBytes?: number): Promise<EnqueueResult>;
  /**
   * Keeps a delivery a subscription filter dropped, whole, in its route's `filtered` queue
   * (`fl-<job id>`), then counts and journals it once per delivery id; throws
   * StorageUnavailable like `enqueue`.
   */
  filtered(
    route: Route,
    job: EventJob,
    jobId: string,
    reason: string,
    bodyBytes?: number,
  ): Promise<"filtered" | "duplicate">;
};

/** Redis could not confirm the event is stored: the sender must retry. */
export class StorageUnavailable extends Error {
  override name = "StorageUnavailable";
}

/**
 * Stores events for the ingress. The job is added first, then counted: a crash in between
 * leaves a stored, uncounted job, which the sender's retry (it got no 200) counts. Adding is
 * idempotent (job id and a TTL'd deduplication key), so a re-send never stores twice. With
 * `replicated`, the result waits for replicas too, within the same deadline.
 *
 * Deliveries that reach the same queue in one turn of the event loop are added in one
 * pipeline, and counted in another: two round trips for the lot instead of two each. Each
 * delivery still waits for its own job's insert and its own count (and its own WAIT), and a
 * failure of one fails that one only.
 */
export function createEnqueuer(options: {
  queues: QueuePool;
  ledger: Ledger;
  timeoutMs: number;
  settings: EventJobSettings;
  replicated?: ReplicationWait | undefined;
}): Enqueuer {
  const { queues, ledger, timeoutMs, settings, replicated } = options;
  const jobOptions = createEventJobOptions(settings);
  const add = createTurnBatcher<string, JobToAdd, string>((queue, jobs) =>
    addJobsPipelined(queues.get(queue), jobs),
  );
  const count = createTurnBatcher<string, DeliveryCount, EnqueueResult>((queue, counts) =>
    ledger.countDeliveries(queue, counts),
  );
  const guarded = async <T>(queue: string, work: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    const stored = async () => {
      const result = await work();
      // The queue name is its hash tag: it hashes to the slot of every key of the queue.
      if (replicated !== undefined) await replicated(queue, deadline - Date.now());
      return result;
    };
    try {
      return await withTimeout(stored(), timeoutMs, "Redis");
    } catch (err) {
      throw new StorageUnavailable("the event could not be stored", { cause: err });
    }
  };
  return {
    enqueue: (route, job, jobId, bodyBytes) => {
      const queue = route.queues.queue;
      return guarded(queue, async () => {
        await add(queue, {
          name: jobNameOf(job),
          data: job,
          opts: jobOptions(route, jobId),
        });
        return count(queue, {
          jobId,
          key: job,
          indexPair: queue === unroutedQueueNames.queue,
          entry: journalFieldsOf(job, jobId, { bodyBytes }),
        });
      });
    },
    // Kept, then counted, as `enqueue` stores then counts: a crash in between leaves a kept
    // copy the sender's retry counts, and adding it again under its id adds nothing. The one
    // copy too many this allows: a re-send arriving after an operator replayed or purged the
    // kept copy is kept again (and counted a duplicate); replaying it meets the target's
    // deduplication, so nothing is applied twice.
    filtered: (route, job, jobId, reason, bodyBytes) =>
      guarded(route.queues.queue, async () => {
        const kept: FilteredEventJob = {
          v: 1,
          event: job,
          filtered: { reason, queue: route.queues.queue, jobId, filteredAt: job.receivedAt },
        };
        await queues
          .get(route.queues.filtered)
          .add(jobNameOf(job), kept, { jobId: filteredJobId(jobId) });
        return ledger.countFiltered(
          route.queues.queue,
          jobId,
          job,
          reason,
          settings.dedupTtlSec,
          journalFieldsOf(job, jobId, { bodyBytes, reason }),
        );
      }),
  };
}
