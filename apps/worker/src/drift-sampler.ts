import { type OperationSpec, undeclaredPaths } from "@skyhook/contracts";
import type { DriftRecorder } from "@skyhook/queue-kit";
import type { Logger } from "pino";
import type { Fate } from "./fate.ts";
import type { FateObserver } from "./fate-observers.ts";
import { throttledLog } from "./throttled-log.ts";

/**
 * The fates that end an event whose payload passed its schema, each met once per event: a run
 * that will run again (retried, busy, interrupted, held) is sampled when it ends instead, and a
 * payload that failed its schema is a dead letter, not drift.
 */
function endsValidEvent(fate: Fate): boolean {
  switch (fate.kind) {
    case "applied":
    case "stale":
      return true;
    case "dead-letter":
      return fate.reason !== "invalid-payload" && fate.reason !== "invalid-job";
    default:
      return false;
  }
}

/**
 * Samples contract drift: for a share `rate` of the events that end (see `endsValidEvent`), the
 * payload paths its operation's schema does not declare are recorded in Redis. Never on the
 * job's path to its fate: the observer only draws the sample; the walk and the write happen
 * after the applier has returned (`setImmediate`), and a failed write is logged, never thrown.
 */
export function sampleDrift(options: {
  rate: number;
  specs: readonly OperationSpec[];
  recorder: DriftRecorder;
  logger: Logger;
  random?: () => number;
}): FateObserver {
  const random = options.random ?? Math.random;
  const specs = new Map(options.specs.map((spec) => [spec.queues.queue, spec]));
  const failed = throttledLog<unknown>(
    (err, suppressed) =>
      options.logger.warn({ err, suppressed }, "contract drift could not be recorded"),
    60_000,
  );
  return (run, { fate, event }) => {
    if (event === undefined || !endsValidEvent(fate) || random() >= options.rate) return;
    const spec = specs.get(run.queue);
    if (spec === undefined) return;
    const pair = { eventType: spec.eventType, operation: spec.operation };
    setImmediate(() => {
      try {
        const found = undeclaredPaths(spec.payload, event.envelope.payload);
        options.recorder.record(pair, found, event.deliveryId).catch(failed);
      } catch (err) {
        failed(err);
      }
    });
  };
}
