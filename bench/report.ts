import { availableParallelism } from "node:os";
import type { DrainRun, DrainWorker } from "./drain.ts";
import {
  type IngressMode,
  type IngressRun,
  ingressModes,
  modeLabels,
  rssLabels,
} from "./ingress.ts";
import type { RateSearch } from "./max-rate.ts";
import { type OpenRun, openModelRssLabels } from "./open-model.ts";
import type { BenchOptions } from "./options.ts";
import type { RssMaxima } from "./rss.ts";
import { median } from "./stats.ts";

export type BenchResults = {
  options: BenchOptions;
  ingress: Record<IngressMode, IngressRun[]>;
  drain: Record<DrainWorker, DrainRun[]>;
  e2e: OpenRun[];
  search: RateSearch;
  rss: RssMaxima;
};

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]) {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

const fixed = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";
const mb = (bytes: number | undefined) =>
  bytes === undefined ? "n/a" : `${fixed(bytes / 1024 / 1024)} MB`;

/** Median over the rounds of a per-round ratio: both sides of a ratio saw the same round. */
function roundRatio<T>(top: readonly T[], bottom: readonly T[], value: (run: T) => number) {
  const ratios = top.flatMap((t, i) => {
    const b = bottom[i];
    return b === undefined ? [] : [value(t) / value(b)];
  });
  return median(ratios);
}

/** Answers other than 200 by status (`no answer`: refused, reset or unanswered), or 0. */
const notOk = (run: OpenRun) => {
  const others = Object.entries(run.answers).filter(([status]) => status !== "200");
  const unanswered = run.events - Object.values(run.answers).reduce((a, b) => a + b, 0);
  if (unanswered > 0) others.push(["unanswered", unanswered]);
  return others.length === 0 ? "0" : others.map(([s, n]) => `${s}: ${fixed(n)}`).join(", ");
};

type Figure = { figure: string; measured: string; target: string; met: boolean | undefined };

function figures(r: BenchResults): Figure[] {
  const rps = (run: IngressRun) => run.requestsPerSec;
  const hmacNaive = roundRatio(r.ingress.hmac, r.ingress.naive, rps);
  const oauthNaive = roundRatio(r.ingress.oauth, r.ingress.naive, rps);
  const hmacBare = roundRatio(r.ingress.hmac, r.ingress.bare, rps);
  const worker = roundRatio(r.drain.skyhook, r.drain.raw, (d) => d.jobsPerSec);
  const p99 = median(r.e2e.map((e) => e.e2eMs.p99));
  const ingressRss = Math.max(
    ...[rssLabels.hmac, rssLabels.oauth, openModelRssLabels.ingress].map((l) => r.rss.get(l) ?? 0),
  );
  const bytes = median(r.drain.skyhook.flatMap((d) => d.acceptedBytesPerEvent ?? []));
  const ratio = (x: number) => fixed(x, 2);
  return [
    {
      figure: "HMAC ingress / naive ingress",
      measured: ratio(hmacNaive),
      target: "≥ 1.25",
      met: hmacNaive >= 1.25,
    },
    {
      figure: "OAuth ingress / naive ingress",
      measured: ratio(oauthNaive),
      target: "≥ 1.25",
      met: oauthNaive >= 1.25,
    },
    {
      figure: "HMAC ingress / bare Express 200",
      measured: ratio(hmacBare),
      target: "≥ 0.75",
      met: hmacBare >= 0.75,
    },
    {
      figure: "worker / raw BullMQ no-op, same concurrency",
      measured: ratio(worker),
      target: "≥ 0.70",
      met: worker >= 0.7,
    },
    {
      figure: "e2e p99 at 1,000 events/s, open model",
      measured: `${fixed(p99)} ms`,
      target: "≤ 10 ms",
      met: p99 <= 10,
    },
    {
      figure: `highest open-model rate sustained ${fixed(r.search.sustainSeconds)} s with no backlog growth`,
      measured: `${fixed(r.search.sustainedPerSec)}/s`,
      target: "≥ 2,500/s",
      met: r.search.sustainedPerSec >= 2_500,
    },
    {
      figure: "ingress RSS under load",
      measured: mb(ingressRss),
      target: "≤ 150 MB",
      met: ingressRss <= 150 * 1024 * 1024,
    },
    {
      figure: "Redis bytes per retained event (2 KB body)",
      measured: `${fixed(bytes)} B (${fixed(bytes / 1024, 1)} KB)`,
      target: "≤ 2.0 KB",
      met: bytes <= 2 * 1024,
    },
  ];
}

const cpuOf = (runs: readonly { cpu: Record<string, number> }[], label: string) =>
  median(runs.flatMap((run) => run.cpu[label] ?? []));

/**
 * CPU per event by process: what each figure costs the machine, so a rate the cores cannot
 * carry shows as arithmetic rather than as a mystery.
 */
function cpuSection(r: BenchResults): string[] {
  const us = (n: number) => (Number.isFinite(n) ? `${fixed(n)} µs` : "n/a");
  const rows: string[][] = [];
  for (const mode of ingressModes) {
    const runs = r.ingress[mode];
    rows.push([modeLabels[mode], "server", us(cpuOf(runs, "server"))]);
    if (mode !== "bare") rows.push(["", "its Redis", us(cpuOf(runs, "redis"))]);
  }
  for (const worker of ["skyhook", "raw"] as const) {
    const label = worker === "skyhook" ? "drain, Skyhook worker" : "drain, raw BullMQ worker";
    rows.push([label, "worker", us(cpuOf(r.drain[worker], "worker"))]);
    rows.push(["", "Redis", us(cpuOf(r.drain[worker], "redis"))]);
  }
  const parts = ["ingress", "worker", "redis", "bench"] as const;
  const e2e = parts.map((p) => cpuOf(r.e2e, p));
  const total = e2e.reduce((a, b) => a + b, 0);
  parts.forEach((part, i) => {
    rows.push([i === 0 ? "end to end at 1,000/s" : "", part, us(e2e[i] ?? Number.NaN)]);
  });
  rows.push(["", "all four", us(total)]);
  const cores = availableParallelism();
  return [
    "",
    "## CPU per event (user + system, /proc/<pid>/stat, medians of the rounds)",
    "",
    "Per request answered 200 for the ingress modes, per job for the drains, per event sent end to end (`bench` is this process: the sender and its poller).",
    "",
    markdownTable(["run", "process", "CPU per event"], rows),
    "",
    `End to end at 1,000/s, one event costs ${us(total)} of CPU across the four processes: they keep ${fixed(total / 1e3, 2)} of the ${cores} cores busy. The cost per event falls at higher rates, as more commands and requests share a round trip and a wake-up (the rate search shows what the machine carries).`,
  ];
}

/** The targets table of issue 9, then every raw figure it was computed from. */
export function formatReport(r: BenchResults): string {
  const rounds = r.options.rounds;
  const roundCols = Array.from({ length: rounds }, (_, i) => `round ${i + 1}`);
  const out: string[] = [];

  out.push("## Targets (issue 9)", "");
  out.push(
    markdownTable(
      ["figure", "measured", "target", "met?"],
      figures(r).map((f) => [f.figure, f.measured, f.target, f.met === true ? "yes" : "no"]),
    ),
  );

  out.push("", "## Ingress: requests/s answered 200 (wrk, 50 connections, one thread)", "");
  out.push(
    markdownTable(
      ["mode", ...roundCols, "median", "non-200", "socket errors", "wrk p99 (median)"],
      ingressModes.map((mode) => {
        const runs = r.ingress[mode];
        return [
          modeLabels[mode],
          ...runs.map((x) => fixed(x.requestsPerSec)),
          fixed(median(runs.map((x) => x.requestsPerSec))),
          fixed(runs.reduce((s, x) => s + x.non2xx, 0)),
          fixed(
            runs.reduce(
              (s, x) => s + x.connectErrors + x.readErrors + x.writeErrors + x.timeouts,
              0,
            ),
          ),
          `${fixed(median(runs.map((x) => x.p99Us / 1000)), 1)} ms`,
        ];
      }),
    ),
  );
  const dupOverHmac = roundRatio(r.ingress.duplicate, r.ingress.hmac, (x) => x.requestsPerSec);
  const journalCost = roundRatio(r.ingress.hmac, r.ingress.unjournaled, (x) => x.requestsPerSec);
  const oauthOverBare = roundRatio(r.ingress.oauth, r.ingress.bare, (x) => x.requestsPerSec);
  const naiveOverBare = roundRatio(r.ingress.naive, r.ingress.bare, (x) => x.requestsPerSec);
  out.push(
    "",
    `Also: duplicate path / HMAC distinct ${fixed(dupOverHmac, 2)}; OAuth / bare ${fixed(oauthOverBare, 2)}; naive / bare ${fixed(naiveOverBare, 2)}; HMAC with the journal / without it ${fixed(journalCost, 2)} (medians of per-round ratios).`,
  );

  out.push(
    "",
    `## Worker drain: jobs/s, ${fixed(r.options.drainJobs)} BOOKING_CREATED jobs, concurrency ${r.options.concurrency}`,
    "",
  );
  const workerLabels: Record<DrainWorker, string> = {
    skyhook: "Skyhook worker (WORKER_OPERATIONS=PNR_V3/BOOKING_CREATED)",
    raw: "raw BullMQ Worker, no-op processor",
  };
  out.push(
    markdownTable(
      ["worker", ...roundCols, "median"],
      (["skyhook", "raw"] as const).map((w) => [
        workerLabels[w],
        ...r.drain[w].map((d) => fixed(d.jobsPerSec)),
        fixed(median(r.drain[w].map((d) => d.jobsPerSec))),
      ]),
    ),
  );

  out.push(
    "",
    "## Redis bytes per event (INFO memory used_memory delta / events, 2,048-byte body)",
    "",
  );
  out.push(
    markdownTable(
      ["state", ...roundCols, "median"],
      [
        [
          "accepted by the ingress (job waiting, dedup key, ledger)",
          (d: DrainRun) => d.acceptedBytesPerEvent,
        ] as const,
        [
          "after the worker completed it (job kept by retention, booking projection)",
          (d: DrainRun) => d.retainedBytesPerEvent,
        ] as const,
      ].map(([label, get]) => {
        const values = r.drain.skyhook.map(get);
        return [
          label,
          ...values.map((v) => (v === undefined ? "n/a (retention trimmed)" : fixed(v))),
          fixed(median(values.flatMap((v) => v ?? []))),
        ];
      }),
    ),
  );

  const footprints = r.drain.skyhook.flatMap((d) => d.footprint ?? []);
  const dedup = footprints.flatMap((f) => f.dedupKey ?? []);
  out.push(
    "",
    `Of which, per event (MEMORY USAGE, median over waiting jobs): job hash ${fixed(median(footprints.map((f) => f.jobHash)))} B, ` +
      `its data field ${fixed(median(footprints.map((f) => f.jobData)))} B, deduplication key ${dedup.length === 0 ? "none" : `${fixed(median(dedup))} B`}; ` +
      "the rest is lists, sets, the ledger, BullMQ's event stream and allocator rounding.",
  );

  out.push("", "## End to end at 1,000 events/s (open model, HMAC, ingress + one worker)", "");
  out.push(
    markdownTable(
      [
        "round",
        "events",
        "e2e p50",
        "e2e p95",
        "e2e p99",
        "e2e max",
        "ack p99",
        "not 200",
        "max backlog",
        "held?",
      ],
      r.e2e.map((e, i) => [
        String(i + 1),
        fixed(e.events),
        `${fixed(e.e2eMs.p50)} ms`,
        `${fixed(e.e2eMs.p95)} ms`,
        `${fixed(e.e2eMs.p99)} ms`,
        `${fixed(e.e2eMs.max)} ms`,
        `${fixed(e.ackP99Ms)} ms`,
        notOk(e),
        fixed(e.backlog.maxSecondHalf),
        e.sustained ? "yes" : "no",
      ]),
    ),
  );

  out.push("", "## Highest sustained open-model rate (probes, then the full-length trial)", "");
  out.push(
    markdownTable(
      [
        "run",
        "rate",
        "seconds",
        "not 200",
        "backlog max (2nd half)",
        "bound",
        "backlog growth",
        "e2e p99",
        "sender lag max",
        "held?",
      ],
      [
        ...r.search.probes.map((p) => ["probe", p] as const),
        ...r.search.confirmations.map((p) => ["trial", p] as const),
      ].map(([kind, p]) => [
        kind,
        `${fixed(p.ratePerSec)}/s`,
        fixed(p.seconds),
        notOk(p),
        fixed(p.backlog.maxSecondHalf),
        fixed(p.backlog.bound),
        fixed(p.backlog.growth),
        `${fixed(p.e2eMs.p99)} ms`,
        `${fixed(p.maxSendLagMs)} ms`,
        p.sustained ? "yes" : "no",
      ]),
    ),
  );

  out.push(...cpuSection(r));

  out.push("", "## Largest RSS seen (VmRSS, sampled every 200 ms while under load)", "");
  out.push(
    markdownTable(
      ["process (phase)", "max RSS"],
      [...r.rss.entries()].map(([label, bytes]) => [label, mb(bytes)]),
    ),
  );
  return `${out.join("\n")}\n`;
}
