import type { Queue } from "bullmq";
import { eventBody, eventId } from "./bodies.ts";
import { type CpuPerEvent, countCpu } from "./cpu.ts";
import { createSender, hmacHeaders, sendClosed } from "./http-sender.ts";
import { type EventFootprint, eventFootprint, usedMemory } from "./redis-memory.ts";
import { type RssMaxima, sampleRss } from "./rss.ts";
import { bookingQueue, type Rig } from "./targets.ts";

export type DrainWorker = "skyhook" | "raw";

export type DrainRun = {
  worker: DrainWorker;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  /** Redis bytes per event the ingress stored (job waiting, dedup key, ledger), Skyhook's side only. */
  acceptedBytesPerEvent?: number;
  /** The same once the worker completed them (job kept by retention, booking projection written). */
  retainedBytesPerEvent?: number;
  footprint?: EventFootprint;
  /** CPU per job while draining: the worker's and Redis's. */
  cpu: CpuPerEvent;
};

const fillConcurrency = 32;
const fillAttempts = 5;

export const drainRssLabels: Record<DrainWorker, string> = {
  skyhook: "Skyhook worker (drain)",
  raw: "raw BullMQ worker (drain)",
};
const unfinished = ["waiting", "active", "delayed", "prioritized"] as const;

export async function unfinishedJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts(...unfinished);
  return unfinished.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}

/** Resolves once `queue` has no unfinished job, polling every `pollMs`; rejects after `timeoutMs`. */
async function untilEmpty(queue: Queue, what: string, timeoutMs: number, pollMs: number) {
  const deadline = Date.now() + timeoutMs;
  while ((await unfinishedJobs(queue)) > 0) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * One drain: with the queue paused, the events go in through that side's own Skyhook ingress
 * (the real enqueue path), then the queue is resumed and timed until no job is left; the end
 * is the last job's `finishedOn` (its score in the completed set). The Redis memory the events
 * take is read around the Skyhook side's fill and drain.
 */
export async function drainOnce(
  rig: Rig,
  worker: DrainWorker,
  tag: string,
  jobs: number,
  rss: RssMaxima,
): Promise<DrainRun> {
  const side = rig.drain[worker];
  const proc = worker === "skyhook" ? rig.drain.worker : rig.drain.rawWorker;
  const { redis, secret } = rig.drain;
  const completedKey = `${side.prefix}:${bookingQueue}:completed`;
  await untilEmpty(side.queue, `${worker} queue empty`, 15_000, 50);
  await side.queue.pause();
  const memoryBefore = await usedMemory(redis);
  const sender = createSender(side.url, fillConcurrency);
  const ids = Array.from({ length: jobs }, (_, i) => eventId(tag, i));
  // Sent as Spotnana would: anything but 200 is sent again (a 503 on a loaded machine).
  const statuses = await sendClosed(ids, fillConcurrency, async (id) => {
    const body = eventBody(id);
    for (let attempt = 1; ; attempt++) {
      const answer = await sender.post(
        "/webhooks/spotnana/spotnana",
        hmacHeaders(secret, `msg_${id}`, body),
        body,
      );
      if (answer.status === 200 || attempt === fillAttempts) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  });
  sender.close();
  if (statuses.get(200) !== jobs)
    throw new Error(`filling the ${worker} queue: answers ${JSON.stringify([...statuses])}`);
  const waiting = await side.queue.getWaitingCount();
  if (waiting !== jobs) throw new Error(`${jobs} events sent, ${waiting} jobs waiting`);
  const memoryFilled = await usedMemory(redis);
  const footprint =
    worker === "skyhook" ? await eventFootprint(redis, side.prefix, bookingQueue) : undefined;
  const completedBefore = await redis.zcard(completedKey);
  const failedBefore = await side.queue.getFailedCount();

  const stopRss = sampleRss(rss, { [drainRssLabels[worker]]: proc.pid });
  const cpu = countCpu({ worker: proc.pid, redis: rig.drain.redisPid });
  const startedMs = Date.now();
  await side.queue.resume();
  await untilEmpty(side.queue, `${worker} worker to drain ${jobs} jobs`, 600_000, 20);
  const cpuPerJob = cpu(jobs);
  stopRss();
  const last = await redis.zrange(completedKey, -1, -1, "WITHSCORES");
  const finishedMs = Number(last[1]);
  const failed = (await side.queue.getFailedCount()) - failedBefore;
  if (failed !== 0) throw new Error(`${failed} jobs failed in the ${worker} drain`);
  const seconds = (finishedMs - startedMs) / 1000;
  const run: DrainRun = { worker, jobs, seconds, jobsPerSec: jobs / seconds, cpu: cpuPerJob };
  if (worker === "skyhook") {
    run.acceptedBytesPerEvent = (memoryFilled - memoryBefore) / jobs;
    run.footprint = footprint;
    // Only while retention has removed nothing: a trimmed completed set frees older events.
    if ((await redis.zcard(completedKey)) - completedBefore === jobs)
      run.retainedBytesPerEvent = ((await usedMemory(redis)) - memoryBefore) / jobs;
  }
  return run;
}
