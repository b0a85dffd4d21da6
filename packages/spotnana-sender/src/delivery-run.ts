import type { SimEvent } from "./event-stream.ts";
import { createLimiter, type LoadModel, runClosedModel, runOpenModel, sleepUntil } from "./load.ts";
import { retryDelaysMs } from "./retry-schedule.ts";
import type { Answer, SendingNode } from "./sending-node.ts";

/** One delivery as Spotnana tracks it: an event's first sending, or a later duplicate of it. */
export type DeliveryRecord = {
  id: string;
  event: SimEvent;
  duplicate: boolean;
  attempts: number;
  acknowledged: boolean;
  /** The job id a 200 answer named, when the receiver is a Skyhook. */
  jobId?: string;
  /** The last answer, as `<status> <body.status>` (e.g. `200 duplicate`), `timeout`, `token 401`. */
  lastAnswer: string;
  /** From when the acknowledged attempt was due to its 200 answer. */
  ackLatencyMs?: number;
  /** When the first attempt was due (`Date.now()` clock): where end-to-end latency starts. */
  firstDueMs?: number;
};

export type RunOptions = {
  events: Iterator<SimEvent>;
  count?: number;
  durationMs?: number;
  nodes: readonly SendingNode[];
  load: LoadModel;
  timeScale: number;
  duplicates: number;
  random: () => number;
  deliveryId: (event: SimEvent) => string;
  onProgress: (state: {
    settled: number;
    started: number;
    elapsedMs: number;
    done: boolean;
  }) => void;
};

/** Re-sends of acknowledged deliveries come within an hour (simulated) of the acknowledgement. */
const duplicateWithinMs = 3_600_000;

export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return answer.failure ?? "no answer";
  const body = answer.body;
  const status =
    typeof body === "object" && body !== null && "status" in body && typeof body.status === "string"
      ? ` ${body.status}`
      : "";
  return `${answer.status}${status}`;
}

function jobIdOf(answer: Answer): string | undefined {
  const body = answer.body;
  return typeof body === "object" &&
    body !== null &&
    "jobId" in body &&
    typeof body.jobId === "string"
    ? body.jobId
    : undefined;
}

/**
 * Spotnana's side of each delivery: the first attempt, then (in the background) retries on the
 * schedule until exactly 200, and for a share of acknowledged deliveries a later duplicate.
 * Attempts rotate across the nodes; at most `limit` are in flight at once.
 */
function createDeliveries(
  options: Pick<RunOptions, "nodes" | "timeScale" | "duplicates" | "random" | "deliveryId">,
  limit: number,
) {
  const delays = retryDelaysMs(options.timeScale);
  const limiter = createLimiter(limit);
  const records: DeliveryRecord[] = [];
  const answers = new Map<string, number>();
  const background = new Set<Promise<void>>();
  const counts = { settled: 0, attempts: 0 };

  const detach = (work: Promise<void>) => {
    background.add(work);
    void work.finally(() => background.delete(work));
  };

  async function attempt(record: DeliveryRecord, dueMs: number): Promise<boolean> {
    const node = options.nodes[(record.event.seq + record.attempts) % options.nodes.length];
    if (node === undefined) throw new Error("no delivery node");
    record.firstDueMs ??= dueMs;
    const answer = await limiter.run(() => node.attempt(record.id, record.event.body));
    record.attempts++;
    counts.attempts++;
    record.lastAnswer = describeAnswer(answer);
    answers.set(record.lastAnswer, (answers.get(record.lastAnswer) ?? 0) + 1);
    // Spotnana counts exactly 200 as delivered; 201, 202 or 204 are failures it retries.
    if (answer.status !== 200) return false;
    record.acknowledged = true;
    record.ackLatencyMs = Date.now() - dueMs;
    const jobId = jobIdOf(answer);
    if (jobId !== undefined) record.jobId = jobId;
    return true;
  }

  async function retries(record: DeliveryRecord, firstDueMs: number): Promise<void> {
    let dueMs = firstDueMs;
    for (const delayMs of delays) {
      dueMs += delayMs;
      await sleepUntil(dueMs);
      if (await attempt(record, dueMs)) return acknowledged(record);
    }
    if (!record.duplicate) counts.settled++;
  }

  function acknowledged(record: DeliveryRecord): void {
    if (record.duplicate) return;
    counts.settled++;
    if (options.random() >= options.duplicates) return;
    const dueMs = Date.now() + (options.random() * duplicateWithinMs) / options.timeScale;
    const copy: DeliveryRecord = { ...newRecord(record.event), duplicate: true };
    records.push(copy);
    detach(sleepUntil(dueMs).then(() => deliver(copy, dueMs)));
  }

  const newRecord = (event: SimEvent): DeliveryRecord => ({
    id: options.deliveryId(event),
    event,
    duplicate: false,
    attempts: 0,
    acknowledged: false,
    lastAnswer: "",
  });

  /** The first attempt; retries, if needed, continue in the background. */
  async function deliver(record: DeliveryRecord, dueMs: number): Promise<void> {
    if (await attempt(record, dueMs)) return acknowledged(record);
    detach(retries(record, dueMs));
  }

  return {
    records,
    answers,
    counts,
    /** Records `event` and makes its first attempt, due at `dueMs`. */
    start(event: SimEvent, dueMs: number): Promise<void> {
      const record = newRecord(event);
      records.push(record);
      return deliver(record, dueMs);
    },
    detach,
    /** Resolves once no retry or duplicate is left to send. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
}

/** Sends every event as Spotnana would and resolves once each delivery is acknowledged or given up. */
export async function runDeliveries(options: RunOptions) {
  const { load } = options;
  const deliveries = createDeliveries(
    options,
    load.kind === "closed" ? load.concurrency : Infinity,
  );
  const startedAt = Date.now();
  let started = 0;
  const intervalMs = load.kind === "open" ? 1_000 / load.ratePerSec : 0;
  // On the open model's clock the next event's slot decides, so 2 s at 50/s is 100 events.
  const elapsedMs = () => (intervalMs > 0 ? started * intervalMs : Date.now() - startedAt);
  const more = () =>
    (options.count === undefined || started < options.count) &&
    (options.durationMs === undefined || elapsedMs() < options.durationMs);
  const start = (dueMs: number): Promise<void> | undefined => {
    const item = more() ? options.events.next() : undefined;
    if (item === undefined || item.done === true) return undefined;
    started++;
    return deliveries.start(item.value, dueMs);
  };
  const report = (done: boolean) =>
    options.onProgress({
      settled: deliveries.counts.settled,
      started,
      elapsedMs: Date.now() - startedAt,
      done,
    });

  const progress = setInterval(() => report(false), 250);
  try {
    if (load.kind === "closed") {
      await runClosedModel(load.concurrency, () => start(Date.now()));
    } else {
      await runOpenModel({
        ratePerSec: load.ratePerSec,
        startMs: startedAt,
        start: (_, dueMs) => {
          const first = start(dueMs);
          if (first !== undefined) deliveries.detach(first);
          return first !== undefined && more();
        },
      });
    }
    await deliveries.idle();
  } finally {
    clearInterval(progress);
  }
  report(true);
  const { records, answers, counts } = deliveries;
  return { records, answers, attempts: counts.attempts, elapsedMs: Date.now() - startedAt };
}
