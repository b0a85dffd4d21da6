import { timestampMsOf } from "@skyhook/contracts";
import {
  spanAttributes as attr,
  type JobOutcome,
  type JobOutcomeName,
  markSpanFailed,
  type OutcomeSink,
} from "@skyhook/queue-kit";
import type { Decision, Fate, FateKind, JobRun } from "./fate.ts";

/**
 * Sees every fate once the applier has carried it out, before BullMQ is told (graphile/worker's
 * job lifecycle events are the model). Observers are synchronous and must not throw: they
 * describe what happened, they cannot change it.
 */
export type FateObserver = (run: JobRun, decision: Decision) => void;

/** The outcome each fate is recorded as; a busy entity's job did not run, so it has none. */
const outcomeOf = {
  applied: "completed",
  "applied-before": "completed",
  stale: "skipped_stale",
  retry: "retried",
  "dead-letter": "dead_lettered",
  busy: undefined,
  interrupted: "interrupted",
  held: "held",
} as const satisfies Record<FateKind, JobOutcomeName | undefined>;

/** Why, in the outcome's words: ids and bounded text only, never payload values. */
export function reasonOf(fate: Fate): string | undefined {
  switch (fate.kind) {
    case "applied-before":
      return "counted completed before the worker stopped; not run again";
    case "stale":
      return `version ${fate.order.version ?? "-"} is older than applied ${fate.newest.version ?? "-"}`;
    case "retry":
    case "held":
      return fate.why;
    case "dead-letter":
      return `${fate.reason}: ${fate.error}`;
    case "applied":
    case "busy":
    case "interrupted":
      return undefined;
  }
}

/**
 * Records one JobOutcome per run in the process's outcome sink, whose observers write the log
 * line and the metrics. `now` ages the event from Spotnana's envelope timestamp.
 */
export function recordOutcomes(sink: OutcomeSink, now: () => Date): FateObserver {
  return (run, { fate, event }) => {
    const outcome = outcomeOf[fate.kind];
    if (outcome === undefined) return;
    const sentMs = event === undefined ? undefined : timestampMsOf(event.envelope.timestamp);
    const record: JobOutcome = {
      kind: "job",
      outcome,
      queue: run.queue,
      jobId: run.jobId,
      attempt: run.attempt,
      durationSec: (Date.now() - run.startedMs) / 1000,
      eventAgeSec: sentMs === undefined ? undefined : (now().getTime() - sentMs) / 1000,
    };
    if (event !== undefined) {
      record.deliveryId = event.deliveryId;
      record.eventType = event.eventType;
      record.operation = event.operation;
      record.traceId = event.trace.traceId;
    }
    const reason = reasonOf(fate);
    if (reason !== undefined) record.reason = reason;
    sink.record(record);
  };
}

/** The error's name: a bounded label for `error.type`, unlike its message. */
export const errorTypeOf = (err: unknown) => (err instanceof Error ? err.name : typeof err);

/** The run's consumer span gets the event's ids, the outcome and, for failures, why. */
export function markSpans(): FateObserver {
  return ({ span }, { fate, event }) => {
    if (!span.isRecording()) return;
    if (event !== undefined) {
      span.setAttributes({
        [attr.deliveryId]: event.deliveryId,
        [attr.eventType]: event.eventType,
        [attr.operation]: event.operation,
      });
      if (event.trace.traceId !== undefined) span.setAttribute(attr.b3TraceId, event.trace.traceId);
    }
    const outcome = outcomeOf[fate.kind];
    if (outcome !== undefined) span.setAttribute(attr.outcome, outcome);
    if (fate.kind === "retry") markSpanFailed(span, errorTypeOf(fate.error), fate.why);
    if (fate.kind === "dead-letter") {
      span.setAttribute(attr.reason, fate.reason);
      markSpanFailed(span, fate.reason, fate.error);
    }
    if (fate.kind === "busy") span.setAttribute(attr.reason, "entity-busy");
    if (fate.kind === "held") span.setAttribute(attr.reason, "downstream-unavailable");
  };
}
