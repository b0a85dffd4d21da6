import { latencyOf, percentile, runOpenModel } from "@skyhook/spotnana-sender";
import { eventBody, eventId } from "./bodies.ts";
import { type CpuPerEvent, countCpu } from "./cpu.ts";
import { unfinishedJobs } from "./drain.ts";
import { createSender, hmacHeaders } from "./http-sender.ts";
import { type RssMaxima, sampleRss } from "./rss.ts";
import { bookingQueue, type Rig } from "./targets.ts";

export type OpenRun = {
  ratePerSec: number;
  seconds: number;
  events: number;
  /** Answers other than 200 (503s, timeouts, refused connections), and every answer by status. */
  failed: number;
  answers: Record<string, number>;
  ackP99Ms: number;
  /** Send → the worker's `finishedOn`, for every event whose completion was seen. */
  e2eMs: { p50: number; p95: number; p99: number; max: number; measured: number };
  /** Events due but not yet handled (unsent, unanswered, or a job not finished). */
  backlog: { maxSecondHalf: number; final: number; growth: number; bound: number };
  /** How late the sender itself got behind its clock, at worst (a limit of the load generator). */
  maxSendLagMs: number;
  sustained: boolean;
  /** CPU per event sent, from the first send until the run settled. */
  cpu: CpuPerEvent;
};

const pollMs = 250;

export const openModelRssLabels = {
  ingress: "Skyhook ingress (open model)",
  worker: "Skyhook worker (open model)",
} as const;

/**
 * Sends `ratePerSec` distinct HMAC-signed BOOKING_CREATED events on a clock (open model) to the
 * drain rig's Skyhook ingress, with its worker consuming. Latency counts from each event's slot
 * on the clock, so a receiver that falls behind shows as latency rather than slowing the sender.
 * Every `pollMs` the backlog is sampled and the completed set read for the jobs finished since.
 *
 * Sustained: every event answered 200, the backlog in the second half of the run never above
 * half a second of sends, and its mean over the last quarter not above the second quarter's by
 * more than a tenth of a second of sends: a receiver a few per cent short would cross either.
 */
export async function measureOpenModel(
  rig: Rig,
  options: { ratePerSec: number; seconds: number; tag: string; settleMs: number },
  rss?: RssMaxima,
): Promise<OpenRun> {
  const { ratePerSec, seconds, tag } = options;
  const side = rig.drain.skyhook;
  const completedKey = `${side.prefix}:${bookingQueue}:completed`;
  const total = Math.max(1, Math.round(ratePerSec * seconds));
  const intervalMs = 1_000 / ratePerSec;
  const sender = createSender(side.url);
  const dueMs = new Float64Array(total);
  const jobIds: (string | undefined)[] = new Array(total);
  const ackMs: number[] = [];
  const finished = new Map<string, number>();
  const samples: { atMs: number; backlog: number }[] = [];
  let answered = 0;
  let failed = 0;
  const answers: Record<string, number> = {};
  let lastScore = Date.now();
  const stopRss =
    rss === undefined
      ? () => undefined
      : sampleRss(rss, {
          [openModelRssLabels.ingress]: side.proc.pid,
          [openModelRssLabels.worker]: rig.drain.worker.pid,
        });
  const startMs = Date.now() + 20;
  const cpu = countCpu({
    ingress: side.proc.pid,
    worker: rig.drain.worker.pid,
    redis: rig.drain.redisPid,
    bench: "self",
  });

  const send = (i: number, due: number) => {
    dueMs[i] = due;
    const id = eventId(tag, i);
    const body = eventBody(id);
    void sender
      .post("/webhooks/spotnana/spotnana", hmacHeaders(rig.drain.secret, `msg_${id}`, body), body)
      .then((answer) => {
        answered++;
        const status = answer.status === 0 ? "no answer" : String(answer.status);
        answers[status] = (answers[status] ?? 0) + 1;
        if (answer.status !== 200) failed++;
        else {
          ackMs.push(Date.now() - due);
          jobIds[i] = answer.jobId;
        }
      });
  };
  const sending = runOpenModel({
    ratePerSec,
    startMs,
    start: (i, due) => {
      send(i, due);
      return i + 1 < total;
    },
  });

  const readCompletions = async () => {
    const entries = await rig.drain.redis.zrangebyscore(
      completedKey,
      lastScore,
      "+inf",
      "WITHSCORES",
    );
    for (let k = 0; k + 1 < entries.length; k += 2) {
      const score = Number(entries[k + 1]);
      finished.set(entries[k] as string, score);
      lastScore = Math.max(lastScore, score);
    }
  };
  const sample = async () => {
    const queued = await unfinishedJobs(side.queue);
    await readCompletions();
    const atMs = Date.now() - startMs;
    const due = Math.min(total, Math.floor(atMs / intervalMs) + 1);
    samples.push({ atMs, backlog: Math.max(0, due - answered) + queued });
    return queued;
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  const { maxLagMs: maxSendLagMs } = await sending;
  const sendEndMs = Date.now() - startMs;
  polling = false;
  await poller;
  const settleBy = Date.now() + options.settleMs;
  for (;;) {
    const queued = await sample();
    const seen = jobIds.every((id) => id === undefined || finished.has(id));
    if ((answered === total && queued === 0 && seen) || Date.now() > settleBy) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const cpuPerEvent = cpu(total);
  stopRss();
  sender.close();

  const e2e: number[] = [];
  for (let i = 0; i < total; i++) {
    const id = jobIds[i];
    const doneMs = id === undefined ? undefined : finished.get(id);
    if (doneMs !== undefined) e2e.push(doneMs - (dueMs[i] ?? 0));
  }
  e2e.sort((a, b) => a - b);
  ackMs.sort((a, b) => a - b);
  const during = samples.filter((s) => s.atMs <= sendEndMs);
  const inWindow = (from: number, to: number) =>
    during
      .filter((s) => s.atMs >= from * sendEndMs && s.atMs < to * sendEndMs)
      .map((s) => s.backlog);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const bound = Math.max(100, ratePerSec * 0.5);
  const maxSecondHalf = Math.max(0, ...inWindow(0.5, 1.01));
  const growth = mean(inWindow(0.75, 1.01)) - mean(inWindow(0.25, 0.5));
  const final = during.at(-1)?.backlog ?? 0;
  return {
    ratePerSec,
    seconds,
    events: total,
    failed: failed + (total - answered),
    answers,
    ackP99Ms: percentile(ackMs, 99),
    e2eMs: { ...latencyOf(e2e), measured: e2e.length },
    backlog: { maxSecondHalf, final, growth, bound },
    maxSendLagMs,
    sustained:
      failed === 0 &&
      answered === total &&
      maxSecondHalf <= bound &&
      growth <= Math.max(50, ratePerSec * 0.1),
    cpu: cpuPerEvent,
  };
}

/** Waits until the Skyhook side has nothing left to do, so one run's tail is not the next's load. */
export async function settle(rig: Rig, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await unfinishedJobs(rig.drain.skyhook.queue)) > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, pollMs));
}
