// What each durability level costs the ingress in throughput, measured side by side in one run:
//   node --import tsx scripts/measure-durability-cost.ts [--rounds 3] [--seconds 10]
// Each mode gets its own redis-server(s) and ingress process; the modes take turns in rounds
// so that drift on the machine hits them all alike. Load: `skyhook simulate`, closed model,
// 32 deliveries in flight, HMAC, distinct events, no duplicates. Compare ratios, not runs.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createProgram } from "@skyhook/cli";
import { newSigningSecret } from "@skyhook/spotnana-sender";
import { type Persistence, startPrivateRedis } from "../test/support/private-redis.ts";
import { freePort, spawnApp } from "../test/support/processes.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "10" } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

type Mode = { name: string; appendfsync?: "always" | "everysec"; ackReplicas?: number };
const modes: Mode[] = [
  { name: "no AOF (baseline)" },
  { name: "AOF everysec", appendfsync: "everysec" },
  { name: "AOF always", appendfsync: "always" },
  { name: "AOF everysec + ACK_REPLICAS=1", appendfsync: "everysec", ackReplicas: 1 },
];

const dir = await mkdtemp(join(tmpdir(), "skyhook-durability-"));
const stops: Array<() => Promise<unknown>> = [];
const secret = newSigningSecret();

async function setUp(mode: Mode, n: number) {
  const persistence: Persistence =
    mode.appendfsync === undefined
      ? undefined
      : { appendfsync: mode.appendfsync, dir: join(dir, String(n)) };
  if (persistence !== undefined) await mkdir(persistence.dir);
  const primary = await startPrivateRedis(undefined, persistence);
  stops.push(() => primary.kill());
  if (mode.ackReplicas !== undefined) {
    const replica = await startPrivateRedis(undefined, undefined, [
      "--replicaof",
      "127.0.0.1",
      String(primary.port),
    ]);
    stops.push(() => replica.kill());
  }
  const port = await freePort();
  const ingress = spawnApp("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    REDIS_URL: primary.url,
    SPOTNANA_SIGNING_SECRETS: secret,
    ACK_REPLICAS: String(mode.ackReplicas ?? 0),
  });
  stops.push(() => ingress.stop("SIGKILL"));
  await ingress.waitForLog("ingress listening", (l) =>
    String(l.msg).startsWith("ingress listening"),
  );
  return { url: `http://127.0.0.1:${port}`, redisUrl: primary.url };
}

async function throughput(target: { url: string; redisUrl: string }): Promise<number> {
  let out = "";
  const program = createProgram({
    out: (text) => {
      out += text;
    },
    err: () => undefined,
    interactive: false,
    env: { REDIS_URL: target.redisUrl, LOG_LEVEL: "warn" },
  });
  await program.run([
    "simulate",
    "--json",
    "--url",
    target.url,
    "--mode",
    "hmac",
    "--secret",
    secret,
    "--closed",
    "--concurrency",
    "32",
    "--duration-sec",
    String(seconds),
    "--duplicates",
    "0",
    "--large-share",
    "0",
    "--reorder",
    "0",
  ]);
  const report = JSON.parse(out) as { acknowledged: number; elapsedSec: number };
  return report.acknowledged / report.elapsedSec;
}

try {
  const targets = [];
  for (const [n, mode] of modes.entries()) targets.push(await setUp(mode, n));
  const results = modes.map(() => [] as number[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [n, mode] of modes.entries()) {
      const target = targets[n];
      if (target === undefined) continue;
      const rate = await throughput(target);
      results[n]?.push(rate);
      process.stderr.write(`round ${round}/${rounds}: ${mode.name}: ${rate.toFixed(0)} events/s\n`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const baseline = median(results[0] ?? []);
  console.log("| durability level | events/s (median) | vs no AOF |");
  console.log("|---|---:|---:|");
  for (const [n, mode] of modes.entries()) {
    const m = median(results[n] ?? []);
    console.log(`| ${mode.name} | ${m.toFixed(0)} | ${(m / baseline).toFixed(2)} |`);
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  await rm(dir, { recursive: true, force: true });
}
