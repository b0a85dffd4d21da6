import { randomBytes } from "node:crypto";
import { describeTarget } from "@skyhook/queue-kit";
import {
  createSendingNode,
  deliveryUrlOf,
  generateEvents,
  type LoadModel,
  runDeliveries,
} from "@skyhook/spotnana-sender";
import type { Command } from "commander";
import { z } from "zod";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo, progressLine } from "../io.ts";
import { senderAuth } from "../sender-auth.ts";
import { withOperator } from "../session.ts";
import { ledgerShortfall, locateJobs } from "../simulate/read-back.ts";
import { type CheckResult, checkDeliveries, formatReport, summarize } from "../simulate/report.ts";

const count = z.coerce.number().int().positive();
const share = z.coerce.number().min(0).max(1);

const SimulateOptions = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    mode: z.enum(["hmac", "oauth"]).optional(),
    secret: z.string().startsWith("whsec_").optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
    nodes: count,
    events: count.optional(),
    durationSec: z.coerce.number().positive().optional(),
    rate: z.coerce.number().positive().optional(),
    closed: z.boolean().optional(),
    concurrency: count,
    versions: count,
    largeShare: share,
    largeKb: count,
    duplicates: share,
    reorder: share,
    timeoutMs: count,
    timeScale: z.coerce.number().positive(),
    check: z.boolean().optional(),
    settleSec: z.coerce.number().min(0),
    json: z.boolean().optional(),
  })
  .refine((o) => !(o.closed === true && o.rate !== undefined), {
    message: "--rate (open model) and --closed exclude each other",
  });
type SimulateOptions = z.infer<typeof SimulateOptions>;

/** Waits (bounded) for Skyhook to finish the simulated jobs, then looks for every one of them. */
async function readBack(
  config: CliConfig,
  records: Parameters<typeof checkDeliveries>[0],
  settleSec: number,
  io: CliIo,
): Promise<CheckResult> {
  const jobIds = [...new Set(records.flatMap((r) => (r.jobId === undefined ? [] : [r.jobId])))];
  return withOperator(config, async (operator, redis) => {
    const queues = await operator.queueNames();
    const deadline = Date.now() + settleSec * 1_000;
    const progress = progressLine(io, "settling: jobs done");
    for (;;) {
      const located = await locateJobs(redis, operator.keys, queues, jobIds);
      const inFlight = [...located.values()].filter((w) => w.inFlight).length;
      progress.update(jobIds.length - inFlight, jobIds.length);
      const shortfall = await ledgerShortfall(redis, operator.keys, operator.queues, queues);
      if ((inFlight === 0 && shortfall === 0) || Date.now() >= deadline)
        return checkDeliveries(records, located, shortfall);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
}

export function simulateCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("simulate")
    .description(
      "Act as Spotnana against a receiver: every event type and operation, several nodes, exactly-200 acknowledgement, 5 immediate retries then backoff over 14 days (time-scaled), duplicates and out-of-order versions; report what was acknowledged, retried and pending and, with --check, what Skyhook lost or applied twice. Exits 1 when anything is pending, lost or applied twice",
    )
    .option("--url <url>", "receiver base URL or full delivery URL (default INGRESS_URL)")
    .option(
      "--mode <mode>",
      "hmac (needs --secret or SPOTNANA_SIGNING_SECRETS) or oauth (default without a secret)",
    )
    .option("--secret <whsec>", "the subscription's whsec_ signing secret (--mode hmac)")
    .option("--client-id <id>", "OAuth client id (default SPOTNANA_CLIENT_ID or the dev client)")
    .option(
      "--client-secret <secret>",
      "OAuth client secret (default SPOTNANA_CLIENT_SECRET or the dev client)",
    )
    .option("--token-url <url>", "OAuth token endpoint (default <url origin>/oauth/token)")
    .option("--nodes <n>", "sending nodes; in oauth mode each fetches its own token", "3")
    .option("--events <n>", "events to send (default 500, unless --duration-sec)")
    .option("--duration-sec <s>", "send new events for this long instead of a count")
    .option("--rate <events/s>", "open model: start events on a clock at this rate (default 50)")
    .option("--closed", "closed model: send as fast as answers come, --concurrency at a time")
    .option("--concurrency <n>", "deliveries in flight in the closed model", "10")
    .option("--versions <n>", "versions per PNR for PNR_V3", "3")
    .option("--large-share <0..1>", "share of events padded to --large-kb", "0.01")
    .option("--large-kb <kb>", "size of a large event", "2048")
    .option(
      "--duplicates <0..1>",
      "share of acknowledged deliveries re-sent later, same id and body",
      "0.05",
    )
    .option("--reorder <0..1>", "share of PNRs whose versions are sent newest first", "0.1")
    .option("--timeout-ms <ms>", "an attempt without an answer by then failed", "40000")
    .option(
      "--time-scale <n>",
      "divide the retry backoff by this (14 days / 100000 ≈ 12 s)",
      "100000",
    )
    .option(
      "--check",
      "afterwards read Skyhook's Redis (REDIS_URL, QUEUE_PREFIX): lost, applied twice",
    )
    .option(
      "--settle-sec <s>",
      "with --check, wait at most this long for Skyhook to finish the jobs",
      "60",
    )
    .option("--json", "one JSON document, for scripts")
    .action(async (raw: Record<string, unknown>) => {
      const parsed = SimulateOptions.safeParse(raw);
      if (!parsed.success)
        throw new CliExit(
          2,
          parsed.error.issues.map((i) => `--${String(i.path[0] ?? "")}: ${i.message}`).join("; "),
        );
      await simulate(parsed.data, config(), io);
    });
}

/** One simulation as the options ask, its report written; exits 1 when the report is not ok. */
async function simulate(options: SimulateOptions, cfg: CliConfig, io: CliIo): Promise<void> {
  const base = (options.url ?? cfg.ingressUrl).replace(/\/+$/, "");
  const auth = senderAuth(options, io.env);
  const url = deliveryUrlOf(base);
  // Fail before sending anything rather than after a long run whose report then cannot be read back.
  if (options.check === true) await withOperator(cfg, async () => undefined);
  const load: LoadModel =
    options.closed === true
      ? { kind: "closed", concurrency: options.concurrency }
      : { kind: "open", ratePerSec: options.rate ?? 50 };
  const eventCount = options.events ?? (options.durationSec === undefined ? 500 : undefined);
  const runId = randomBytes(4).toString("hex");
  const random = Math.random;
  const nodes = Array.from({ length: options.nodes }, () =>
    createSendingNode({ url, auth, timeoutMs: options.timeoutMs }),
  );
  const progress = progressLine(
    io,
    eventCount === undefined ? "simulating: seconds" : "simulating: events settled",
  );
  const run = await runDeliveries({
    events: generateEvents({ runId, random, ...options }),
    ...(eventCount === undefined ? {} : { count: eventCount }),
    ...(options.durationSec === undefined ? {} : { durationMs: options.durationSec * 1_000 }),
    nodes,
    load,
    timeScale: options.timeScale,
    duplicates: options.duplicates,
    random,
    // Stable per event: every retry and duplicate of one delivery carries the same id.
    deliveryId: (event) => `sim-${runId}-${event.seq}`,
    onProgress: ({ settled, started, elapsedMs, done }) => {
      if (eventCount !== undefined) return progress.update(settled, Math.max(eventCount, started));
      const totalSec = Math.ceil(options.durationSec ?? 0);
      progress.update(
        done ? totalSec : Math.min(Math.floor(elapsedMs / 1_000), totalSec),
        totalSec,
      );
    },
  });
  const check =
    options.check === true
      ? await readBack(cfg, run.records, options.settleSec, io)
      : "not checked";
  const report = summarize(run, check, {
    url,
    mode: auth.mode,
    load:
      load.kind === "open"
        ? `open, ${load.ratePerSec} events/s`
        : `closed, concurrency ${load.concurrency}`,
    nodes: options.nodes,
    timeScale: options.timeScale,
    checkedIn:
      options.check === true ? `${describeTarget(cfg.redis)}, prefix ${cfg.queuePrefix}` : "",
  });
  io.out(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok)
    throw new CliExit(
      1,
      "the simulation found pending, lost, unsettled or twice-applied deliveries",
    );
}
