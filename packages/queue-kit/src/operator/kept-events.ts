import type { QueueNames } from "@skyhook/contracts";
import type { QueuePool } from "../queue-pool.ts";
import { type KeptEvent, toKept } from "./kept-event.ts";
import { holdersOf, type KeptFilter, matchesFilter } from "./kept-filter.ts";

const pageSize = 500;

/**
 * Every kept event matching `filter`, page by page, in the order kept. Jobs whose data is not
 * what their queue holds (added by hand) are skipped: there is nothing to replay.
 */
export async function* keptEvents(
  pool: QueuePool,
  queues: readonly QueueNames[],
  filter: KeptFilter,
): AsyncGenerator<KeptEvent> {
  let yielded = 0;
  for (const holder of holdersOf(queues, filter)) {
    const queue = pool.get(holder.heldIn);
    if (filter.jobId !== undefined) {
      const direct = await queue.getJob(filter.jobId);
      const kept = direct === undefined ? undefined : toKept(holder, filter.jobId, direct.data);
      if (kept !== undefined && matchesFilter(kept, filter)) {
        yield kept;
        yielded += 1;
        if (filter.limit !== undefined && yielded >= filter.limit) return;
        continue;
      }
    }
    for (let start = 0; ; start += pageSize) {
      const jobs = await queue.getJobs(
        ["waiting", "prioritized", "delayed"],
        start,
        start + pageSize - 1,
        true,
      );
      for (const job of jobs) {
        if (job?.id === undefined) continue;
        const kept = toKept(holder, job.id, job.data);
        if (kept === undefined || !matchesFilter(kept, filter)) continue;
        yield kept;
        yielded += 1;
        if (filter.limit !== undefined && yielded >= filter.limit) return;
      }
      if (jobs.length < pageSize) break;
    }
  }
}
