import { type DeliveryRecord, formatMs, type Latency, latencyOf } from "@skyhook/spotnana-sender";
import { table } from "../table.ts";
import type { JobWhereabouts } from "./read-back.ts";

export type CheckResult = {
  /** Acknowledged deliveries none of whose job ids is anywhere Skyhook keeps events. */
  lost: number;
  lostJobIds: string[];
  /** accepted − accounted for, summed over the ledger's queues. */
  ledgerShortfall: number;
  /** Delivery ids with more than one completed job (original, replays, other job ids). */
  appliedTwice: number;
  appliedTwiceIds: string[];
  /** Jobs still waiting or running when the settle time ran out. */
  unsettled: number;
  /** Acknowledged without a job id (e.g. filtered by the subscription): not looked for. */
  withoutJobId: number;
  /**
   * From an event's first attempt to a worker finishing its job, for events whose job a worker
   * completed (catch-all events wait for a handler and are left out). Clocks of two hosts.
   */
  e2eLatencyMs: Latency & { events: number };
};

/** Latencies in a table row: `p50 3 ms, p95 …`, each `n/a` when nothing was measured. */
const latencyRow = (l: Latency) =>
  `p50 ${formatMs(l.p50)}, p95 ${formatMs(l.p95)}, p99 ${formatMs(l.p99)}, max ${formatMs(l.max)}`;

export type SimReport = {
  url: string;
  mode: string;
  load: string;
  nodes: number;
  timeScale: number;
  /** The Redis and prefix read back with --check; empty without it. */
  checkedIn: string;
  elapsedSec: number;
  events: number;
  largeEvents: number;
  attempts: number;
  acknowledged: number;
  retried: number;
  pending: number;
  duplicates: { sent: number; acknowledged: number; answers: Record<string, number> };
  answers: Record<string, number>;
  ackLatencyMs: Latency;
  check: CheckResult | "not checked";
  ok: boolean;
};

const sample = 10;

/** Compares what Spotnana was told (200 answers) with where Skyhook keeps the jobs. */
export function checkDeliveries(
  records: readonly DeliveryRecord[],
  located: ReadonlyMap<string, JobWhereabouts>,
  ledgerShortfall: number,
): CheckResult {
  const byDelivery = new Map<string, Set<string>>();
  let withoutJobId = 0;
  for (const r of records) {
    if (!r.acknowledged) continue;
    if (r.jobId === undefined) {
      withoutJobId++;
      continue;
    }
    const ids = byDelivery.get(r.id) ?? new Set<string>();
    ids.add(r.jobId);
    byDelivery.set(r.id, ids);
  }
  const lostJobIds: string[] = [];
  const appliedTwiceIds: string[] = [];
  const endToEnd: number[] = [];
  let unsettled = 0;
  for (const r of records) {
    if (r.duplicate || r.jobId === undefined || r.firstDueMs === undefined) continue;
    const finishedOnMs = located.get(r.jobId)?.finishedOnMs;
    if (finishedOnMs !== undefined) endToEnd.push(finishedOnMs - r.firstDueMs);
  }
  endToEnd.sort((a, b) => a - b);
  for (const [deliveryId, jobIds] of byDelivery) {
    const where = [...jobIds].map((id) => located.get(id));
    if (!where.some((w) => w?.found === true)) lostJobIds.push(...jobIds);
    if (where.reduce((sum, w) => sum + (w?.completed ?? 0), 0) > 1)
      appliedTwiceIds.push(deliveryId);
    unsettled += where.filter((w) => w?.inFlight === true).length;
  }
  return {
    lost: lostJobIds.length + ledgerShortfall,
    lostJobIds: lostJobIds.slice(0, sample),
    ledgerShortfall,
    appliedTwice: appliedTwiceIds.length,
    appliedTwiceIds: appliedTwiceIds.slice(0, sample),
    unsettled,
    withoutJobId,
    e2eLatencyMs: { ...latencyOf(endToEnd), events: endToEnd.length },
  };
}

export function summarize(
  run: {
    records: readonly DeliveryRecord[];
    answers: ReadonlyMap<string, number>;
    attempts: number;
    elapsedMs: number;
  },
  check: CheckResult | "not checked",
  about: Pick<SimReport, "url" | "mode" | "load" | "nodes" | "timeScale" | "checkedIn">,
): SimReport {
  const events = run.records.filter((r) => !r.duplicate);
  const duplicates = run.records.filter((r) => r.duplicate);
  const latencies = events
    .flatMap((r) => (r.ackLatencyMs === undefined ? [] : [r.ackLatencyMs]))
    .sort((a, b) => a - b);
  const duplicateAnswers: Record<string, number> = {};
  for (const d of duplicates)
    duplicateAnswers[d.lastAnswer] = (duplicateAnswers[d.lastAnswer] ?? 0) + 1;
  const pending = events.filter((r) => !r.acknowledged).length;
  const failedCheck =
    check !== "not checked" && (check.lost > 0 || check.appliedTwice > 0 || check.unsettled > 0);
  return {
    ...about,
    elapsedSec: Math.round(run.elapsedMs / 100) / 10,
    events: events.length,
    largeEvents: events.filter((r) => r.event.large).length,
    attempts: run.attempts,
    acknowledged: events.length - pending,
    retried: events.filter((r) => r.attempts > 1).length,
    pending,
    duplicates: {
      sent: duplicates.length,
      acknowledged: duplicates.filter((d) => d.acknowledged).length,
      answers: duplicateAnswers,
    },
    answers: Object.fromEntries([...run.answers].sort(([a], [b]) => a.localeCompare(b))),
    ackLatencyMs: latencyOf(latencies),
    check,
    ok: pending === 0 && duplicates.every((d) => d.acknowledged) && !failedCheck,
  };
}

const counts = (answers: Record<string, number>) =>
  Object.entries(answers)
    .map(([answer, n]) => `${answer}: ${n}`)
    .join(", ") || "-";

export function formatReport(report: SimReport): string {
  const rows: (string | number)[][] = [
    ["receiver", `${report.url} (${report.mode}, ${report.nodes} nodes)`],
    ["load", `${report.load}, time scale ${report.timeScale}`],
    ["elapsed", `${report.elapsedSec} s`],
    ["events", `${report.events} (${report.largeEvents} large)`],
    ["attempts", report.attempts],
    ["answers", counts(report.answers)],
    ["acknowledged", report.acknowledged],
    ["retried", report.retried],
    ["pending", report.pending],
    ["duplicates sent", `${report.duplicates.sent} (${counts(report.duplicates.answers)})`],
    ["ack latency", latencyRow(report.ackLatencyMs)],
  ];
  const c = report.check;
  if (c === "not checked")
    rows.push(["lost / applied twice", "not checked (--check reads Skyhook's Redis)"]);
  else
    rows.push(
      ["checked in", report.checkedIn],
      [
        "lost",
        `${c.lost}${c.ledgerShortfall > 0 ? ` (ledger short by ${c.ledgerShortfall})` : ""}`,
      ],
      ["applied twice", c.appliedTwice],
      ["still in flight", c.unsettled],
      [
        "end-to-end latency",
        `${latencyRow(c.e2eLatencyMs)} (${c.e2eLatencyMs.events} events a handler finished)`,
      ],
    );
  return `${table(["measure", "value"], rows)}\n${report.ok ? `OK: every event was acknowledged${c === "not checked" ? "." : ", none lost, none applied twice."}` : "FAILED"}\n`;
}
