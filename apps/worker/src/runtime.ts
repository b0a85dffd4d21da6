import { type OperationSpec, type RetryPolicy, retryDelayMs } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import type { RedisClient } from "@skyhook/queue-kit";
import {
  cappedBackoffType,
  createDeadLetterWriter,
  createDownstreamBreaker,
  createStaleWriter,
  disabledTracing,
  type KeyNames,
  type Ledger,
  type OutcomeSink,
  type QueuePool,
  type RetryOverride,
  retryPolicyOf,
  type Tracing,
} from "@skyhook/queue-kit";
import { Worker } from "bullmq";
import type { Logger } from "pino";
import type { WorkerConfig } from "./config.ts";
import { createDownstreamGate } from "./downstream-gate.ts";
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
  /** RETRY_* overrides of every operation's retry policy. */
  retryOverride: RetryOverride;
  /** The downstreams' breakers and rate limits. */
  downstream: WorkerConfig["downstream"];
  /** Told when a run is let through an open breaker as its probe. */
  onProbe: (queue: string) => void;
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

/**
 * A BullMQ Worker on `queue` running `processor`, counting the jobs it has in flight. Its
 * retries wait `retry`'s capped exponential backoff; `perSec` limits its handler's calls across
 * every worker of the queue.
 */
function startConsumer(
  queue: string,
  processor: Processor,
  retry: RetryPolicy,
  perSec: number | undefined,
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
      settings: {
        // Only our jobs' type reaches it; BullMQ computes its own types itself.
        backoffStrategy: (attemptsMade, type) =>
          type === cappedBackoffType ? retryDelayMs(retry, attemptsMade, Math.random()) : 0,
      },
      ...(perSec === undefined ? {} : { limiter: { max: perSec, duration: 1_000 } }),
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
  const breaker = createDownstreamBreaker(connection, keys, {
    failureThreshold: options.downstream.failureThreshold,
    baseIntervalMs: options.downstream.holdMs,
    maxIntervalMs: options.downstream.maxHoldMs,
  });
  const gates = options.assignments.map(({ spec }) =>
    createDownstreamGate({
      breaker,
      queue: spec.queues.queue,
      refreshMs: options.downstream.refreshMs,
      // Longer than a handler may take: its worker's lock lapses first.
      probeTtlMs: options.lockDurationMs,
      onError: (err) =>
        logger.warn({ err, queue: spec.queues.queue }, "reading the breaker failed"),
      onProbe: () => options.onProbe(spec.queues.queue),
    }),
  );
  const consumers = options.assignments.map(({ spec, handler }, i) => {
    const queue = spec.queues.queue;
    const retry = retryPolicyOf({ spec, queues: spec.queues }, options.retryOverride) ?? spec.retry;
    const downstream = gates[i];
    if (downstream === undefined) throw new Error(`no breaker for ${queue}`);
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
      retry,
      queue: queues.get(queue),
      downstream,
      logger: logger.child({ queue }),
      shutdown: shutdown.signal,
      tracing,
      observers: options.observers,
    });
    const perSec = options.downstream.rateLimits.get(`${spec.eventType}/${spec.operation}`);
    return startConsumer(queue, processor, retry, perSec, options);
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
        for (const gate of gates) gate.close();
      }
    },
  };
}
