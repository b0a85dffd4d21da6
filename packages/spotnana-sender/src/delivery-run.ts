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

/** Sends every event as Spotnana would and resolves once each delivery is acknowledged or given up. */
export async function runDeliveries(options: RunOptions) {
  const delays = retryDelaysMs(options.timeScale);
  const limiter = createLimiter(
    options.load.kind === "closed" ? options.load.concurrency : Infinity,
  );
  const records: DeliveryRecord[] = [];
  const answers = new Map<string, number>();
  const background = new Set<Promise<void>>();
  const startedAt = Date.now();
  let settled = 0;
  let attemptCount = 0;

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
    attemptCount++;
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
    if (!record.duplicate) settled++;
  }

  function acknowledged(record: DeliveryRecord): void {
    if (record.duplicate) return;
    settled++;
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

  let started = 0;
  const intervalMs = options.load.kind === "open" ? 1_000 / options.load.ratePerSec : 0;
  // On the open model's clock the next event's slot decides, so 2 s at 50/s is 100 events.
  const elapsedMs = () => (intervalMs > 0 ? started * intervalMs : Date.now() - startedAt);
  const more = () =>
    (options.count === undefined || started < options.count) &&
    (options.durationMs === undefined || elapsedMs() < options.durationMs);
  const next = (): DeliveryRecord | undefined => {
    if (!more()) return undefined;
    const item = options.events.next();
    if (item.done === true) return undefined;
    started++;
    const record = newRecord(item.value);
    records.push(record);
    return record;
  };

  const progress = setInterval(
    () => options.onProgress({ settled, started, elapsedMs: Date.now() - startedAt, done: false }),
    250,
  );
  try {
    if (options.load.kind === "closed") {
      await runClosedModel(options.load.concurrency, () => {
        const record = next();
        return record === undefined ? undefined : deliver(record, Date.now());
      });
    } else {
      await runOpenModel({
        ratePerSec: options.load.ratePerSec,
        startMs: startedAt,
        start: (_, dueMs) => {
          const record = next();
          if (record !== undefined) detach(deliver(record, dueMs));
          return record !== undefined && more();
        },
      });
    }
    while (background.size > 0) await Promise.all([...background]);
  } finally {
    clearInterval(progress);
  }
  options.onProgress({ settled, started, elapsedMs: Date.now() - startedAt, done: true });
  return { records, answers, attempts: attemptCount, elapsedMs: Date.now() - startedAt };
}
