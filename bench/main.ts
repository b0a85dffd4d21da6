// `pnpm bench`: Skyhook against baselines built here, in one run, modes interleaved in rounds
// so that drift on the shared machine hits them all alike (issue 9; method in
// docs/benchmarks.md). Progress goes to stderr, the report to stdout.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type DrainRun, type DrainWorker, drainOnce } from "./drain.ts";
import {
  createIngressBench,
  type IngressMode,
  type IngressRun,
  ingressModes,
  modeLabels,
} from "./ingress.ts";
import { searchMaxRate } from "./max-rate.ts";
import { measureOpenModel, type OpenRun, settle } from "./open-model.ts";
import { parseOptions, usage } from "./options.ts";
import { type BenchResults, formatReport } from "./report.ts";
import type { RssMaxima } from "./rss.ts";
import { rotate } from "./stats.ts";
import { startRig } from "./targets.ts";
import { formatWorkerReport } from "./worker-report.ts";
import { ensureWrk } from "./wrk.ts";

const startedMs = Date.now();
const log = (line: string) =>
  process.stderr.write(
    `[${String(Math.round((Date.now() - startedMs) / 1000)).padStart(4)} s] ${line}\n`,
  );
const loadAverage = async () => (await readFile("/proc/loadavg", "utf8")).trim();
const versionOf = (command: string, args: string[]) =>
  (spawnSync(command, args, { encoding: "utf8" }).stdout ?? "").split("\n")[0]?.trim() ?? "";

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  log(`${(err as Error).message}\nusage: ${usage}`);
  process.exit(2);
}
try {
  if (!options.workerOnly) ensureWrk();
} catch (err) {
  log((err as Error).message);
  process.exit(2);
}

const commandLine = `pnpm bench${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
const startedAt = new Date();
const loadAtStart = await loadAverage();
const header = [
  "# Skyhook benchmark",
  "",
  `- command: \`${commandLine}\``,
  `- started: ${startedAt.toISOString()}, Node ${process.version}, ${cpus().length} CPUs, ` +
    `${versionOf("wrk", ["--version"]).split(" [")[0]}, ${versionOf("redis-server", ["--version"]).split(" sha=")[0]}`,
  `- benchmarked processes run on: ${
    process.env.BENCH_NODE === undefined
      ? `this Node with tsx (as the README runs the apps)`
      : `${versionOf(process.env.BENCH_NODE, ["--version"])} from BENCH_NODE, types stripped by Node`
  }`,
  `- load (/proc/loadavg) at start: ${loadAtStart}`,
  `- rounds ${options.rounds}, ${options.seconds} s per ingress mode and per end-to-end run, ` +
    `${options.drainJobs} jobs per drain, concurrency ${options.concurrency}` +
    (options.smoke ? " (smoke: figures not meaningful)" : ""),
  "",
];
process.stdout.write(header.join("\n"));

const dir = await mkdtemp(join(tmpdir(), "skyhook-bench-"));
const rss: RssMaxima = new Map();
const run = randomBytes(2).toString("hex");
let rig: Awaited<ReturnType<typeof startRig>> | undefined;
const cleanUp = async () => {
  await rig?.stop();
  await rm(dir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

try {
  log(`starting the processes (logs in ${dir})`);
  rig = await startRig(dir, options.concurrency);
  const ingress = createIngressBench(rig, dir);
  const results: BenchResults = {
    options,
    ingress: Object.fromEntries(ingressModes.map((m) => [m, [] as IngressRun[]])) as Record<
      IngressMode,
      IngressRun[]
    >,
    drain: { skyhook: [], raw: [] },
    e2e: [],
    search: {
      probes: [],
      confirmations: [],
      sustainedPerSec: 0,
      sustainSeconds: options.sustainSeconds,
    },
    rss,
  };
  // The HMAC run goes right before the duplicate path, which re-sends its deliveries.
  const ingressOrder: IngressMode[][] = [
    ["bare"],
    ["naive"],
    ["hmac", "duplicate"],
    ["unjournaled"],
    ["oauth"],
  ];
  const workers: DrainWorker[] = ["skyhook", "raw"];

  if (options.warmUpSeconds > 0) {
    log(
      `warm-up: ${options.warmUpSeconds} s per ingress mode, ${options.warmUpJobs} jobs per worker`,
    );
    if (!options.workerOnly)
      for (const mode of ingressOrder.flat())
        await ingress.run(mode, options.warmUpSeconds, new Map());
    for (const worker of workers)
      await drainOnce(rig, worker, `wu${run}`, options.warmUpJobs, new Map());
  }

  for (let round = 0; round < options.rounds; round++) {
    log(`round ${round + 1}/${options.rounds}`);
    for (const mode of options.workerOnly ? [] : rotate(ingressOrder, round).flat()) {
      const result = await ingress.run(mode, options.seconds, rss);
      results.ingress[mode].push(result);
      log(`  ${modeLabels[mode]}: ${result.requestsPerSec.toFixed(0)} requests/s`);
    }
    const drains = new Map<DrainWorker, DrainRun>();
    for (const worker of rotate(workers, round)) {
      const result = await drainOnce(rig, worker, `d${round}${run}`, options.drainJobs, rss);
      drains.set(worker, result);
      log(`  drain, ${worker} worker: ${result.jobsPerSec.toFixed(0)} jobs/s`);
    }
    for (const worker of workers) {
      const result = drains.get(worker);
      if (result !== undefined) results.drain[worker].push(result);
    }
    if (options.workerOnly) continue;
    await settle(rig, 120_000);
    const e2e: OpenRun = await measureOpenModel(
      rig,
      { ratePerSec: 1_000, seconds: options.seconds, tag: `e${round}${run}`, settleMs: 30_000 },
      rss,
    );
    results.e2e.push(e2e);
    log(
      `  end to end at 1,000/s: p99 ${Math.round(e2e.e2eMs.p99)} ms (${e2e.e2eMs.measured} events; answers ${JSON.stringify(e2e.answers)})`,
    );
  }

  if (!options.workerOnly) {
    log("highest sustained open-model rate:");
    results.search = await searchMaxRate(rig, options, rss, log);
  }

  const loadAtEnd = await loadAverage();
  const elapsedSec = Math.round((Date.now() - startedMs) / 1000);
  process.stdout.write(
    `- load (/proc/loadavg) at end: ${loadAtEnd}\n- took ${elapsedSec} s\n\n${options.workerOnly ? formatWorkerReport(results) : formatReport(results)}`,
  );
} catch (err) {
  log(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
  for (const proc of rig?.all ?? [])
    log(`--- ${proc.name} (${proc.exit() ?? "running"}) ---\n${proc.tail(10)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
