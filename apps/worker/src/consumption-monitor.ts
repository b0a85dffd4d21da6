import type { Logger } from "pino";
import type { Consumer } from "./runtime.ts";

/**
 * What Redis says of a queue's backlog: jobs ready to run now (waiting, prioritized, delayed
 * and due), and whether the queue is paused (deliberately not consumed).
 */
export type QueueWork = { ready: number; paused: boolean };

export type StuckQueue = {
  queue: string;
  /** Since when work was waiting, slots were free and nothing was fetched. */
  since: string;
  /** Jobs ready to run: waiting, prioritized, or delayed and due. */
  backlog: number;
  inFlight: number;
  concurrency: number;
  /** The worker's last error, which often says why (an OOM refusal, a script error). */
  lastError?: string | undefined;
};

export type Readiness = {
  ready: boolean;
  redis: "ok" | "unavailable";
  stuck: StuckQueue[];
};

export type ConsumptionMonitor = {
  /** Pings Redis now (bounded) and judges every queue from the latest check. */
  readiness(): Promise<Readiness>;
  /** Per queue, ready or not as of the latest check: for `skyhook_worker_ready`. */
  states(): Array<{ queue: string; ready: boolean }>;
  /** One check now: Redis ping and each queue's backlog. Also run every `checkEveryMs`. */
  check(): Promise<void>;
  close(): void;
};

type QueueState = {
  consumer: Consumer;
  /** The last sign that fetching works: a job started or finished, or the queue ran dry. */
  lastFetchMs: number;
  /** Since when each check saw work ready, a free slot and a queue not paused. */
  pendingSinceMs: number | undefined;
  ready: number;
  inFlight: number;
  stuckSinceMs: number | undefined;
  lastError: string | undefined;
};

/** A queue's state, fresh as of `startedMs`, kept current by its worker's job events. */
function trackFetches(consumer: Consumer, startedMs: number, now: () => number): QueueState {
  const state: QueueState = {
    consumer,
    lastFetchMs: startedMs,
    pendingSinceMs: undefined,
    ready: 0,
    inFlight: 0,
    stuckSinceMs: undefined,
    lastError: undefined,
  };
  const { worker } = consumer;
  const fetched = () => {
    state.lastFetchMs = now();
    state.lastError = undefined;
  };
  worker.on("active", fetched);
  worker.on("completed", fetched);
  worker.on("failed", fetched);
  worker.on("drained", fetched);
  worker.on("error", (err: Error) => {
    state.lastError = err.message.slice(0, 200);
  });
  return state;
}

/** Since when the queue is stuck at `atMs`, or undefined while it is not. */
function stuckSince(state: QueueState, atMs: number, stallAfterMs: number): number | undefined {
  if (state.pendingSinceMs === undefined) return undefined;
  const since = Math.max(state.lastFetchMs, state.pendingSinceMs);
  return atMs - since > stallAfterMs ? since : undefined;
}

/** Records whether the queue is stuck, logging once when it becomes stuck and once when not. */
function judge(state: QueueState, since: number | undefined, logger: Logger): void {
  const queue = state.consumer.queue;
  if (since !== undefined && state.stuckSinceMs === undefined) {
    logger.warn(
      {
        queue,
        since: new Date(since).toISOString(),
        backlog: state.ready,
        inFlight: state.inFlight,
        lastError: state.lastError,
      },
      "worker stopped consuming: work is waiting and nothing is fetched",
    );
  } else if (since === undefined && state.stuckSinceMs !== undefined) {
    logger.info({ queue }, "worker consuming again");
  }
  state.stuckSinceMs = since;
}

/** Reads the queue's backlog and notes since when work has waited for a free slot. */
async function checkQueue(
  state: QueueState,
  readWork: (queue: string) => Promise<QueueWork>,
  now: () => number,
  logger: Logger,
): Promise<void> {
  const { consumer } = state;
  let work: QueueWork;
  try {
    work = await readWork(consumer.queue);
  } catch (err) {
    // Stuck is claimed on fresh evidence only: an old backlog may long be gone. A Redis that
    // cannot be read is caught by the ping instead.
    state.pendingSinceMs = undefined;
    logger.debug({ err, queue: consumer.queue }, "consumption check: backlog unreadable");
    return;
  }
  const atMs = now();
  state.ready = work.ready;
  state.inFlight = consumer.inFlight();
  const pending = !work.paused && work.ready > 0 && state.inFlight < consumer.concurrency;
  if (!pending) state.pendingSinceMs = undefined;
  else state.pendingSinceMs ??= atMs;
}

const stuckQueueOf = (state: QueueState, since: number): StuckQueue => ({
  queue: state.consumer.queue,
  since: new Date(since).toISOString(),
  backlog: state.ready,
  inFlight: state.inFlight,
  concurrency: state.consumer.concurrency,
  lastError: state.lastError,
});

/**
 * Finds a worker that stopped consuming. BullMQ reports a healthy fetch loop only through
 * job events (`active`, `completed`, `failed`, `drained`), and a broken one mostly by
 * silence: connection errors are not emitted, and an idle worker emits nothing at all. So a
 * periodic check reads each queue's backlog from Redis, and a queue counts as stuck when work
 * has been ready, this process had a free slot and the queue was not paused, for longer than
 * `stallAfterMs` without any sign of a fetch. An idle worker with an empty queue is never
 * stuck; a worker whose slots are all busy with long jobs is not either (slow is not stuck).
 * Everything recovers by itself: the first fetch after a reconnect clears the state.
 */
export function watchConsumption(options: {
  consumers: readonly Consumer[];
  readWork(queue: string): Promise<QueueWork>;
  /** Resolves false rather than hanging when Redis does not answer (within 1 s). */
  ping(): Promise<boolean>;
  stallAfterMs: number;
  checkEveryMs: number;
  logger: Logger;
  now?: () => number;
}): ConsumptionMonitor {
  const { logger, stallAfterMs } = options;
  const now = options.now ?? Date.now;
  const startedMs = now();
  let redisOk = true;
  const states = options.consumers.map((consumer) => trackFetches(consumer, startedMs, now));

  let running: Promise<void> | undefined;
  const check = () => {
    running ??= (async () => {
      try {
        const [pinged] = await Promise.all([
          options.ping(),
          ...states.map((state) => checkQueue(state, options.readWork, now, logger)),
        ]);
        redisOk = pinged;
        const atMs = now();
        for (const state of states) judge(state, stuckSince(state, atMs, stallAfterMs), logger);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => {
    check().catch((err: unknown) => logger.error({ err }, "consumption check failed"));
  }, options.checkEveryMs);
  timer.unref();

  return {
    async readiness() {
      redisOk = await options.ping();
      const atMs = now();
      const stuck = states.flatMap((state) => {
        const since = stuckSince(state, atMs, stallAfterMs);
        return since === undefined ? [] : [stuckQueueOf(state, since)];
      });
      return { ready: redisOk && stuck.length === 0, redis: redisOk ? "ok" : "unavailable", stuck };
    },
    states() {
      const atMs = now();
      return states.map((state) => ({
        queue: state.consumer.queue,
        ready: redisOk && stuckSince(state, atMs, stallAfterMs) === undefined,
      }));
    },
    check,
    close() {
      clearInterval(timer);
    },
  };
}
