import {
  type EntityOrder,
  EventJob,
  entityOrderOf,
  isOlder,
  type OperationSpec,
} from "@skyhook/contracts";
import { DownstreamUnavailable, PermanentError } from "@skyhook/handler-kit";
import { describeError } from "@skyhook/queue-kit";
import type { EntityLock } from "./entity-guard.ts";
import type { Decision, Fate, JobRun } from "./fate.ts";

type DeadLetterFate = Extract<Fate, { kind: "dead-letter" }>;

/** The event a handler may see: job data and payload that passed their schemas. */
export type ReadEvent =
  | { ok: true; event: EventJob; payload: unknown }
  | { ok: false; event: EventJob | undefined; fate: DeadLetterFate };

const pathsOf = (issues: readonly { path: readonly PropertyKey[] }[], prefix = "") =>
  issues.map((i) => `${prefix}${i.path.map(String).join(".")}`).join(", ");

/**
 * Job data and payload against their schemas. Data that fails either cannot be handled by any
 * retry, so it is dead-lettered at once, naming every failing path (never a value: they are
 * travel data).
 */
export function readEvent(data: unknown, spec: OperationSpec): ReadEvent {
  const parsed = EventJob.safeParse(data);
  if (!parsed.success) {
    const error = `job data is not a Skyhook event: ${pathsOf(parsed.error.issues)}`;
    return {
      ok: false,
      event: undefined,
      fate: { kind: "dead-letter", reason: "invalid-job", error },
    };
  }
  const event = parsed.data;
  const payload = spec.payload.safeParse(event.envelope.payload);
  if (!payload.success) {
    const fields = pathsOf(payload.error.issues, "payload.");
    const error = `payload fails the ${event.eventType}/${event.operation} schema at ${fields}`;
    return { ok: false, event, fate: { kind: "dead-letter", reason: "invalid-payload", error } };
  }
  return { ok: true, event, payload: payload.data };
}

/**
 * A handler's failure: put back untouched when shutdown interrupted it (if the job can be put
 * back); dead-lettered when no retry can help (a PermanentError), when the event has reached
 * its retry horizon, or when no attempt is left; held when the downstream is unavailable (no
 * attempt spent); else retried.
 */
export function fateOfFailure(
  error: unknown,
  run: Pick<
    JobRun,
    "attempt" | "maxAttempts" | "canPutBack" | "retryHorizonMs" | "nextRetryDelayMs"
  >,
  interrupted: boolean,
  event: Pick<EventJob, "receivedAt">,
  nowMs: number,
): Fate {
  if (interrupted && run.canPutBack) return { kind: "interrupted" };
  const why = describeError(error);
  if (error instanceof PermanentError)
    return { kind: "dead-letter", reason: "permanent-error", error: why };
  const retryEndsMs = Date.parse(event.receivedAt) + run.retryHorizonMs;
  if (nowMs + run.nextRetryDelayMs > retryEndsMs)
    return { kind: "dead-letter", reason: "retry-horizon", error: why, thrown: error };
  if (error instanceof DownstreamUnavailable)
    return { kind: "held", why, by: "downstream", retryAfterMs: error.retryAfterMs };
  if (run.attempt >= run.maxAttempts)
    return { kind: "dead-letter", reason: "retries-exhausted", error: why, thrown: error };
  return { kind: "retry", error, why };
}

/** Stale when its entity has applied a newer position; undefined when it may run. */
export function fateOfOrder(
  event: EventJob,
  order: EntityOrder,
  newest: EntityOrder | undefined,
): Fate | undefined {
  return newest !== undefined && isOlder(order, newest)
    ? { kind: "stale", event, order, newest }
    : undefined;
}

/** What the decision asks of the world: one method per question, none of them BullMQ. */
export type DecisionPorts = {
  /** The entity's lock, with the newest position applied before it; undefined when busy. */
  lock(entity: string): Promise<EntityLock | undefined>;
  /** Whether this job's success was counted before (a re-run after its worker stopped). */
  wasCompleted(run: JobRun): Promise<boolean>;
  /** Runs the handler; what it throws is its failure. */
  handle(run: JobRun, event: EventJob, payload: unknown): Promise<void>;
  /** Whether shutdown has interrupted the handlers. */
  interrupted(): boolean;
  /** How long a job whose entity is busy waits before it is tried again. */
  busyDelayMs(): number;
  /** Whether this run may call the downstream (its breaker), or how long to hold it back. */
  admit(run: JobRun): Promise<"run" | { holdMs: number }>;
  nowMs(): number;
};

async function handled(run: JobRun, read: ReadEvent & { ok: true }, ports: DecisionPorts) {
  try {
    await ports.handle(run, read.event, read.payload);
    return { kind: "applied", event: read.event } as const;
  } catch (err) {
    return fateOfFailure(err, run, ports.interrupted(), read.event, ports.nowMs());
  }
}

/**
 * Decides what becomes of one run, in this order: data that cannot be handled is dead-lettered;
 * while the downstream's breaker is open only the one probing run goes on (the rest are held);
 * an event of an entity waits for the entity's lock (busy: put back); a job whose success was
 * counted before is finished as it was, not run again (only a stalled job is asked, so the
 * normal path costs no round trip); an event older than its entity's newest is stale; otherwise
 * the handler runs and its outcome decides. Infrastructure errors (Redis) are thrown, not
 * decided: BullMQ retries the job, and its last failure is dead-lettered (runtime.ts).
 */
export async function decideFate(
  run: JobRun,
  spec: OperationSpec,
  ports: DecisionPorts,
): Promise<Decision> {
  const read = readEvent(run.data, spec);
  if (!read.ok) return { fate: read.fate, event: read.event, hold: undefined };
  const { event } = read;
  const admitted = await ports.admit(run);
  if (admitted !== "run") {
    const why = "the downstream's breaker is open; another run probes it";
    return {
      fate: { kind: "held", why, by: "breaker", holdMs: admitted.holdMs },
      event,
      hold: undefined,
    };
  }
  const order = entityOrderOf(event);
  if (order === undefined) {
    const before = run.stalled && (await ports.wasCompleted(run));
    const fate = before ? ({ kind: "applied-before" } as const) : await handled(run, read, ports);
    return { fate, event, hold: undefined };
  }
  const lock = await ports.lock(order.entity);
  if (lock === undefined) {
    const fate: Fate = { kind: "busy", entity: order.entity, delayMs: ports.busyDelayMs() };
    return { fate, event, hold: undefined };
  }
  const hold = { lock, order };
  try {
    if (run.stalled && (await ports.wasCompleted(run)))
      return { fate: { kind: "applied-before" }, event, hold };
    const stale = fateOfOrder(event, order, lock.newest());
    // A job handed out again without BullMQ's stalled mark (a Redis failover lost its finish,
    // say) finds its own position applied: it was counted, not merely overtaken. Asked only on
    // this rare path, so a job that runs pays nothing.
    if (stale !== undefined && !run.stalled && (await ports.wasCompleted(run)))
      return { fate: { kind: "applied-before" }, event, hold };
    return { fate: stale ?? (await handled(run, read, ports)), event, hold };
  } catch (err) {
    // Never left to lapse: nothing was applied, so nothing is recorded.
    await lock.release();
    throw err;
  }
}
