import type { OperationSpec } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import type { RedisClient } from "@skyhook/queue-kit";
import {
  createDeadLetterWriter,
  createStaleWriter,
  disabledTracing,
  type KeyNames,
  type Ledger,
  type OutcomeSink,
  type QueuePool,
  type Tracing,
} from "@skyhook/queue-kit";
import { Worker } from "bullmq";
import type { Logger } from "pino";
import { createEntityGuard } from "./entity-guard.ts";
import type { FateObserver } from "./fate-observers.ts";
import { createProcessor, type Processor } from "./processor.ts";
import { throttledLog } from "./throttled-log.ts";

export type Assignment<D> = { spec: OperationSpec; handler: Handler<D> };

export type RuntimeOptions<D> = {
  /** BullMQ's, and the entity guard's. */
  connection: RedisClient;
  prefix: string;
  keys: KeyNames;
  /** Side queues (dead letters, stale events); owned by the caller, which closes it. */
  queues: QueuePool;
  ledger: Ledger;
  assignments: readonly Assignment<D>[];
  deps: D;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How long an entity's newest applied position is remembered (Spotnana's retry horizon). */
  orderingHorizonSec: number;
  entityBusyDelayMs: number;
  outcomes: OutcomeSink;
  logger: Logger;
  /** Spans for job runs; the no-op tracer when omitted. */
  tracing?: Tracing | undefined;
  /** Observers of every job's fate beyond the span and the outcome (contract drift sampling). */
  observers?: readonly FateObserver[];
};

/** One queue this process consumes, as the consumption monitor sees it. */
export type Consumer = {
  queue: string;
  worker: Worker;
  concurrency: number;
  /** Jobs whose processor is running right now. */
  inFlight(): number;
};

export type Runtime = {
  workers: readonly Worker[];
  consumers: readonly Consumer[];
  /** Stops taking jobs, waits for running ones, and after `graceMs` interrupts and releases them. */
  close(graceMs: number): Promise<void>;
};

/** A BullMQ Worker on `queue` running `processor`, counting the jobs it has in flight. */
function startConsumer(
  queue: string,
  processor: Processor,
  options: Pick<
    RuntimeOptions<unknown>,
    "connection" | "prefix" | "concurrency" | "lockDurationMs" | "stalledIntervalMs" | "logger"
  >,
): Consumer {
  const { logger } = options;
  // Counted here rather than from Worker events: a job put back (entity busy, shutdown)
  // leaves the processor without any event.
  let inFlight = 0;
  const worker = new Worker(
    queue,
    async (job, token) => {
      inFlight += 1;
      try {
        await processor.run(job, token);
      } finally {
        inFlight -= 1;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
    },
  );
  worker.on(
    "error",
    throttledLog<Error>(
      (err, suppressed) => logger.error({ err, queue, suppressed }, "worker error"),
      10_000,
    ),
  );
  // The processor dead-letters every failure it sees. A job can still fail for good without
  // it: stalled past BullMQ's limit, or an error outside the handler (the entity lock, the
  // ledger, a dead letter that could not be written) on its last attempt. Every terminal
  // failure (`finishedOn` set) is therefore kept here too, unless its dead letter is there.
  worker.on("failed", (job, err) => {
    if (job?.finishedOn === undefined) return;
    processor
      .keepFailed(job, err)
      .catch((dlqErr: unknown) =>
        logger.error({ err: dlqErr, queue, jobId: job.id }, "dead-lettering failed"),
      );
  });
  logger.info({ queue, concurrency: options.concurrency }, "consuming");
  return { queue, worker, concurrency: options.concurrency, inFlight: () => inFlight };
}

export function startRuntime<D>(options: RuntimeOptions<D>): Runtime {
  const { connection, logger, outcomes, keys, queues, ledger } = options;
  const tracing = options.tracing ?? disabledTracing();
  const shutdown = new AbortController();
  const deadLetters = createDeadLetterWriter({ queues });
  const staleEvents = createStaleWriter({ queues });
  const entities = createEntityGuard(connection, keys, {
    lockMs: options.lockDurationMs,
    markTtlSec: options.orderingHorizonSec,
  });
  const consumers = options.assignments.map(({ spec, handler }) => {
    const queue = spec.queues.queue;
    const processor = createProcessor({
      spec,
      handler,
      deps: options.deps,
      deadLetters,
      staleEvents,
      entities,
      ledger,
      outcomes,
      entityBusyDelayMs: options.entityBusyDelayMs,
      logger: logger.child({ queue }),
      shutdown: shutdown.signal,
      tracing,
      observers: options.observers,
    });
    return startConsumer(queue, processor, options);
  });
  const workers = consumers.map((c) => c.worker);

  return {
    workers,
    consumers,
    async close(graceMs) {
      const timer = setTimeout(() => shutdown.abort(new Error("worker shutting down")), graceMs);
      try {
        await Promise.all(workers.map((w) => w.close()));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
