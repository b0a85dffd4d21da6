import type { DrainRun } from "./drain.ts";
import { type BenchResults, markdownTable } from "./report.ts";
import { median } from "./stats.ts";

const fixed = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";

const cpu = (runs: readonly DrainRun[], label: string) =>
  median(runs.flatMap((run) => run.cpu[label] ?? []));

/**
 * `pnpm bench --worker-only`: the drains alone, each round's ratio beside its rates, so the
 * spread between rounds (the shared machine's noise) is in the report next to the median.
 */
export function formatWorkerReport(r: BenchResults): string {
  const { skyhook, raw } = r.drain;
  const ratios = skyhook.flatMap((s, i) => {
    const b = raw[i];
    return b === undefined ? [] : [s.jobsPerSec / b.jobsPerSec];
  });
  const rows = skyhook.map((s, i) => [
    String(i + 1),
    fixed(s.jobsPerSec),
    fixed(raw[i]?.jobsPerSec),
    fixed(ratios[i], 2),
    `${fixed(s.cpu.worker)} + ${fixed(s.cpu.redis)} µs`,
    `${fixed(raw[i]?.cpu.worker)} + ${fixed(raw[i]?.cpu.redis)} µs`,
  ]);
  rows.push([
    "median",
    fixed(median(skyhook.map((s) => s.jobsPerSec))),
    fixed(median(raw.map((s) => s.jobsPerSec))),
    fixed(median(ratios), 2),
    `${fixed(cpu(skyhook, "worker"))} + ${fixed(cpu(skyhook, "redis"))} µs`,
    `${fixed(cpu(raw, "worker"))} + ${fixed(cpu(raw, "redis"))} µs`,
  ]);
  return [
    `## Worker drain only: ${fixed(r.options.drainJobs)} BOOKING_CREATED jobs per round, concurrency ${r.options.concurrency}`,
    "",
    markdownTable(
      [
        "round",
        "Skyhook jobs/s",
        "raw jobs/s",
        "Skyhook / raw",
        "Skyhook CPU per job, worker + Redis",
        "raw CPU per job, worker + Redis",
      ],
      rows,
    ),
    "",
    `Target: Skyhook / raw ≥ 0.70 (median of the rounds' ratios: ${fixed(median(ratios), 2)}).`,
    "",
  ].join("\n");
}
