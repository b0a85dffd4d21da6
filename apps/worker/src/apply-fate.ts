import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { QueueNames } from "@skyhook/contracts";
import {
  type DeadLetterWriter,
  describeError,
  type Ledger,
  type StaleWriter,
} from "@skyhook/queue-kit";
import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from "bullmq";
import type { DownstreamGate } from "./downstream-gate.ts";
import type { Decision, Fate, JobRun } from "./fate.ts";
import type { FateObserver } from "./fate-observers.ts";

export type FateApplierOptions = {
  names: QueueNames;
  deadLetters: DeadLetterWriter;
  staleEvents: StaleWriter;
  ledger: Pick<Ledger, "countCompleted" | "completion">;
  /** Told of every fate once it is carried out, in this order. */
  observers: readonly FateObserver[];
  /** The operation's queue: held as a whole (BullMQ's queue-wide rate limit) while its downstream is down. */
  queue: Pick<Queue, "rateLimit">;
  /** The breaker of the operation's downstream, as this process sees it. */
  downstream: DownstreamGate;
  /** Told when a success closes an open breaker: the downstream is back. */
  onRecovered: () => void;
};

export type FateApplier = {
  /**
   * Carries out a decided fate: its Redis effects (ledger count, entity position, letters,
   * releasing the entity), then the observers, then what BullMQ gets: a return completes the
   * job, a throw fails or retries it, a DelayedError after `moveToDelayed` puts it back.
   */
  apply(job: Job, token: string | undefined, run: JobRun, decision: Decision): Promise<void>;
  /**
   * A job BullMQ failed for good without a fate (stalled past its limit, or an error outside
   * the handler on its last attempt): dead-lettered unless its dead letter is already there.
   */
  keepFailed(job: Job, error: Error): Promise<void>;
};

/** BullMQ fails a job that stalled too often from Lua, with this reason and no error class. */
const stalledLimitMessage = "stalled more than allowable limit";

const done = Promise.resolve();

/** Back to the queue without spending an attempt; only the holder of BullMQ's lock can. */
async function putBack(
  job: Job,
  token: string | undefined,
  delayMs: number,
  whyNot: string,
): Promise<never> {
  if (token === undefined) throw new Error(whyNot);
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

/**
 * What BullMQ gets for each fate. Not async: a kind without a case does not compile.
 * `holdMs`: how long the carried-out fate holds the operation's queue (0: not held).
 */
function handBack(
  job: Job,
  token: string | undefined,
  fate: Fate,
  holdMs: number,
  queue: Pick<Queue, "rateLimit">,
): Promise<void> {
  switch (fate.kind) {
    case "applied":
    case "applied-before":
    case "stale":
      return done;
    case "retry":
      // The failure may have opened the breaker: the queue is held, this job retried anyway.
      return holdMs > 0
        ? queue.rateLimit(holdMs).then(() => Promise.reject(fate.error))
        : Promise.reject(fate.error);
    case "held":
      // Every worker of the queue waits `holdMs`; the job goes back without spending an attempt.
      return queue.rateLimit(holdMs).then(() => Promise.reject(Worker.RateLimitError()));
    case "dead-letter":
      return Promise.reject(fate.thrown ?? new UnrecoverableError(fate.error));
    case "busy":
      return putBack(job, token, fate.delayMs, `entity ${fate.entity} is busy`);
    case "interrupted":
      return putBack(job, token, 0, "interrupted by shutdown without BullMQ's lock token");
  }
}

/** Where a dead letter says its job came from. */
const lettersFrom = (names: QueueNames) => ({
  queue: names.queue,
  deadLetterQueue: names.deadLetter,
});

/** The run of a job BullMQ failed without us: what the observers are told of it. */
function failedRun(names: QueueNames, job: Job, stalled: boolean): JobRun {
  return {
    queue: names.queue,
    jobId: job.id ?? "unknown",
    data: job.data,
    attempt: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    // Failed already: nothing of its retries is left to decide.
    retryHorizonMs: 0,
    nextRetryDelayMs: 0,
    stalled,
    canPutBack: false,
    startedMs: Date.now(),
    // No run of ours failed it: there is no span to mark.
    span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
    context: ROOT_CONTEXT,
  };
}

/**
 * The fate's Redis effects. Not async: a kind without a case does not compile. Resolves to
 * how long the operation's queue is to be held (0: not held).
 */
function carryOut(
  options: FateApplierOptions,
  job: Job,
  run: JobRun,
  { fate, hold }: Decision,
): Promise<number> {
  const names = options.names;
  const released = () => (hold === undefined ? done : hold.lock.release());
  switch (fate.kind) {
    case "applied":
      // Counted before BullMQ completes the job: a crash in between re-runs it, and the
      // re-run finds its count (applied-before) rather than counting twice.
      return Promise.all([
        hold === undefined
          ? options.ledger.countCompleted(names.queue, run.jobId, fate.event)
          : hold.lock.completeAndRelease(
              hold.order,
              options.ledger.completion(names.queue, run.jobId, fate.event),
            ),
        options.downstream.succeeded().then((wasOpen) => {
          if (wasOpen) options.onRecovered();
        }),
      ]).then(() => 0);
    case "applied-before":
      // Its position may not have been recorded before the crash; recording it is a no-op
      // when a newer one was.
      return (hold === undefined ? done : hold.lock.advanceAndRelease(hold.order)).then(() => 0);
    case "stale":
      return Promise.all([
        options.staleEvents.write(job, fate.event, names, fate.order, fate.newest),
        released(),
      ]).then(() => 0);
    case "dead-letter":
      // Written before BullMQ fails the job: a crash in between re-runs it, never loses it.
      return Promise.all([
        options.deadLetters.write(job, lettersFrom(names), fate.reason, fate.error),
        released(),
      ]).then(() => 0);
    case "retry":
      return Promise.all([
        options.downstream.failed({ unavailable: false, retryAfterMs: undefined }),
        released(),
      ]).then(([holdMs]) => holdMs);
    case "held":
      return Promise.all([
        fate.by === "breaker"
          ? fate.holdMs
          : options.downstream.failed({ unavailable: true, retryAfterMs: fate.retryAfterMs }),
        released(),
      ]).then(([holdMs]) => holdMs);
    case "busy":
    case "interrupted":
      return released().then(() => 0);
  }
}

export function createFateApplier(options: FateApplierOptions): FateApplier {
  const { names, deadLetters, observers } = options;
  const from = lettersFrom(names);

  const notify = (run: JobRun, decision: Decision) => {
    for (const observe of observers) observe(run, decision);
  };

  return {
    async apply(job, token, run, decision) {
      let holdMs: number;
      try {
        holdMs = await carryOut(options, job, run, decision);
      } catch (err) {
        // Never left to lapse, whatever failed; after the position was recorded a no-op.
        await decision.hold?.lock.release();
        throw err;
      }
      notify(run, decision);
      await handBack(job, token, decision.fate, holdMs, options.queue);
    },

    async keepFailed(job, error) {
      const stalled = error.message.includes(stalledLimitMessage);
      const reason = stalled ? "stalled" : "retries-exhausted";
      const why = stalled ? error.message : describeError(error);
      if (!(await deadLetters.writeIfMissing(job, from, reason, why))) return;
      notify(failedRun(names, job, stalled), {
        fate: { kind: "dead-letter", reason, error: why },
        event: undefined,
        hold: undefined,
      });
    },
  };
}
