import type { Logger } from "pino";
import type { KeptLocation } from "./operator/kept-event.ts";

/**
 * Every way a delivery, a token request or a job can end, as one type. Whatever decides an
 * outcome records it in the process's one OutcomeSink; logs, metrics and traces observe the
 * sink, so each outcome is logged and counted in exactly one place. Fields are ids and bounded
 * labels only: never payload data.
 */
export const deliveryOutcomes = [
  "accepted",
  "duplicate",
  "filtered",
  "unauthorized",
  "invalid",
  "too_large",
  "unavailable",
  "rate_limited",
  "shed",
] as const;
export type DeliveryOutcomeName = (typeof deliveryOutcomes)[number];

export type DeliveryOutcome = {
  kind: "delivery";
  outcome: DeliveryOutcomeName;
  /** The authenticated subscription, or "-" before authentication. */
  subscription: string;
  /** Bounded: the error code or filter reason, "-" when there is none. */
  reason: string;
  eventType?: string | undefined;
  operation?: string | undefined;
  queue?: string | undefined;
  /** Time spent storing the event in Redis, when it got that far. */
  enqueueSec?: number | undefined;
};

export const tokenOutcomes = ["issued", "refused", "invalid", "rate_limited"] as const;
export type TokenOutcome = { kind: "token"; outcome: (typeof tokenOutcomes)[number] };

export const jobOutcomes = [
  "completed",
  "retried",
  "dead_lettered",
  "skipped_stale",
  "interrupted",
  "held",
] as const;
export type JobOutcomeName = (typeof jobOutcomes)[number];

export type JobOutcome = {
  kind: "job";
  outcome: JobOutcomeName;
  queue: string;
  jobId: string;
  deliveryId?: string | undefined;
  eventType?: string | undefined;
  operation?: string | undefined;
  attempt: number;
  /** How long this run took. */
  durationSec: number;
  /** From Spotnana's envelope `timestamp` to now, when the envelope had one. */
  eventAgeSec?: number | undefined;
  /** Why it was retried, dead-lettered or skipped: the error with its causes, or a reason. */
  reason?: string | undefined;
  traceId?: string | undefined;
};

/** Events moved out of the catch-all by a handler that came up, or by an operator. */
export type MoveOutcome = {
  kind: "move";
  outcome: "adopted" | "replayed" | "purged";
  from: string;
  to?: string | undefined;
  count: number;
};

/** Which bound removed kept events: too many held, or held too long. */
export const trimReasons = ["count", "age"] as const;
export type TrimReason = (typeof trimReasons)[number];

/** Kept events a bound removed, oldest first: the ledger counts each as trimmed. */
export type TrimOutcome = {
  kind: "trim";
  location: KeptLocation;
  /** The queue they were held in (`….dead-letter`, `{unrouted}`, `{rejected}`). */
  queue: string;
  reason: TrimReason;
  count: number;
};

export type Outcome = DeliveryOutcome | TokenOutcome | JobOutcome | MoveOutcome | TrimOutcome;

export type OutcomeObserver = (outcome: Outcome) => void;

export type OutcomeSink = {
  record(outcome: Outcome): void;
  /** Adds an observer; observers run in the order added, and one that throws harms no other. */
  observe(observer: OutcomeObserver): void;
};

export function createOutcomeSink(logger: Logger, observers: OutcomeObserver[] = []): OutcomeSink {
  const all = [...observers];
  return {
    record(outcome) {
      for (const observer of all) {
        try {
          observer(outcome);
        } catch (err) {
          logger.error({ err, kind: outcome.kind }, "outcome observer failed");
        }
      }
    },
    observe(observer) {
      all.push(observer);
    },
  };
}

const jobLogLevel = {
  completed: "debug",
  retried: "warn",
  dead_lettered: "warn",
  skipped_stale: "info",
  interrupted: "info",
  held: "info",
} as const satisfies Record<JobOutcomeName, string>;

const jobMessage = {
  completed: "job completed",
  retried: "handler failed; will retry",
  dead_lettered: "event dead-lettered",
  skipped_stale: "stale event skipped and kept",
  interrupted: "released to the queue by shutdown",
  held: "held: the downstream is unavailable",
} as const satisfies Record<JobOutcomeName, string>;

/**
 * The one log line per job outcome (the ingress logs one line per request instead, which
 * carries its delivery outcome).
 */
export function logJobOutcomes(logger: Logger): OutcomeObserver {
  return (outcome) => {
    if (outcome.kind === "move") {
      logger.info(outcome, `events ${outcome.outcome}`);
      return;
    }
    if (outcome.kind !== "job") return;
    const level = jobLogLevel[outcome.outcome];
    // Checked first: a completion (thousands a second) logs at debug, usually off, and its
    // line would be built for nothing.
    if (!logger.isLevelEnabled(level)) return;
    const { kind: _kind, outcome: name, ...fields } = outcome;
    logger[level]({ outcome: name, ...fields }, jobMessage[name]);
  };
}
