import { SpanKind, trace } from "@opentelemetry/api";
import { type OperationSpec, type RetryPolicy, retryDelayMs } from "@skyhook/contracts";
import type { Handler } from "@skyhook/handler-kit";
import {
  spanAttributes as attr,
  type DeadLetterWriter,
  type Ledger,
  messagingSystem,
  type OutcomeSink,
  type StaleWriter,
  type Tracing,
} from "@skyhook/queue-kit";
import type { Job, Queue } from "bullmq";
import type { Logger } from "pino";
import { createFateApplier } from "./apply-fate.ts";
import { type DecisionPorts, decideFate } from "./decide-fate.ts";
import type { DownstreamGate } from "./downstream-gate.ts";
import type { EntityGuard } from "./entity-guard.ts";
import type { JobRun } from "./fate.ts";
import { type FateObserver, markSpans, recordOutcomes } from "./fate-observers.ts";
import { createHandlerCall } from "./handler-call.ts";
import { deliveryContextOf } from "./job-trace.ts";
import { journalFates } from "./journal-observer.ts";

export type ProcessorOptions<D> = {
  spec: OperationSpec;
  handler: Handler<D>;
  deps: D;
  deadLetters: DeadLetterWriter;
  staleEvents: StaleWriter;
  entities: EntityGuard;
  ledger: Ledger;
  outcomes: OutcomeSink;
  logger: Logger;
  /** Aborted when the worker's shutdown grace period runs out. */
  shutdown: AbortSignal;
  /** How long a job whose entity is busy waits before it is tried again. */
  entityBusyDelayMs: number;
  /** The operation's retry policy, overrides applied: the horizon and the backoff's cap. */
  retry: RetryPolicy;
  /** The operation's queue, which a down downstream holds as a whole. */
  queue: Pick<Queue, "rateLimit">;
  /** The breaker of the operation's downstream. */
  downstream: DownstreamGate;
  /** A consumer span per job run and a span around the handler; no-op when tracing is off. */
  tracing: Tracing;
  /** Observers beyond the span and the outcome (contract drift sampling). */
  observers?: readonly FateObserver[];
  now?: () => Date;
};

export type Processor = {
  /** BullMQ's processor for the operation's queue: decides the job's fate, then applies it. */
  run(job: Job, token?: string): Promise<void>;
  /** For the Worker's `failed` event: keeps a job BullMQ failed for good without a fate. */
  keepFailed(job: Job, error: Error): Promise<void>;
};

/**
 * One operation's processor, built once per queue: everything per job is the run's own
 * values. Each run is one consumer span, parented to the delivery's context carried in the
 * job, with the handler's span beneath it.
 */
export function createProcessor<D>(options: ProcessorOptions<D>): Processor {
  const { spec, tracing, ledger } = options;
  const names = spec.queues;
  const now = options.now ?? (() => new Date());
  const spanName = `process ${names.queue}`;
  const applier = createFateApplier({
    names,
    deadLetters: options.deadLetters,
    staleEvents: options.staleEvents,
    ledger,
    observers: [
      markSpans(),
      recordOutcomes(options.outcomes, now),
      journalFates(ledger, options.logger),
      ...(options.observers ?? []),
    ],
    queue: options.queue,
    downstream: options.downstream,
    onRecovered: () =>
      options.logger.info({ queue: names.queue }, "downstream back: breaker closed"),
  });
  const retryHorizonMs = options.retry.horizonSec * 1000;
  const ports: DecisionPorts = {
    lock: (entity) => options.entities.lock(entity),
    wasCompleted: (run) => ledger.wasCompleted(names.queue, run.jobId),
    handle: createHandlerCall({
      handler: options.handler,
      deps: options.deps,
      logger: options.logger,
      shutdown: options.shutdown,
      now,
      tracing,
    }),
    interrupted: () => options.shutdown.aborted,
    busyDelayMs: () => options.entityBusyDelayMs * (1 + Math.random()),
    admit: (run) => options.downstream.admit(`${run.jobId}:${run.attempt}:${run.startedMs}`),
    nowMs: () => now().getTime(),
  };

  return {
    async run(job, token) {
      const parent = deliveryContextOf(tracing, job.data);
      const span = tracing.tracer.startSpan(spanName, { kind: SpanKind.CONSUMER }, parent);
      const jobId = job.id ?? "unknown";
      const attempt = job.attemptsMade + 1;
      if (span.isRecording()) {
        span.setAttributes({
          [attr.messagingSystem]: messagingSystem,
          [attr.messagingOperation]: "process",
          [attr.queue]: names.queue,
          [attr.jobId]: jobId,
          [attr.attempt]: attempt,
        });
      }
      const run: JobRun = {
        queue: names.queue,
        jobId,
        data: job.data,
        attempt,
        maxAttempts: job.opts.attempts ?? 1,
        retryHorizonMs,
        nextRetryDelayMs: retryDelayMs(options.retry, attempt, 0),
        stalled: job.stalledCounter > 0,
        canPutBack: token !== undefined,
        startedMs: Date.now(),
        span,
        context: trace.setSpan(parent, span),
      };
      try {
        await applier.apply(job, token, run, await decideFate(run, spec, ports));
      } finally {
        span.end();
      }
    },
    keepFailed: (job, error) => applier.keepFailed(job, error),
  };
}
