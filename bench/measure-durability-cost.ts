// What each durability level costs the ingress in throughput, measured side by side in one run:
//   node --import tsx bench/measure-durability-cost.ts [--rounds 3] [--seconds 10]
// Each mode gets its own redis-server(s) and ingress process; the modes take turns in rounds
// so that drift on the machine hits them all alike. Load: the sending side's deliveries as
// `skyhook simulate` sends them, closed model, 32 deliveries in flight, 3 HMAC nodes, distinct
// events, no duplicates. Compare ratios, not runs.

import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createSendingNode,
  generateEvents,
  newSigningSecret,
  runDeliveries,
} from "@skyhook/spotnana-sender";
import { answers200, freePort, spawnScript, waitUntilReady } from "./processes.ts";
import { startRedisServer } from "./redis-server.ts";
import { median } from "./stats.ts";

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
  const modeDir = join(dir, String(n));
  await mkdir(modeDir);
  const aof =
    mode.appendfsync === undefined
      ? []
      : ["--appendonly", "yes", "--appendfsync", mode.appendfsync];
  const primary = await startRedisServer(`redis-${n}`, modeDir, aof);
  stops.push(() => primary.stop());
  if (mode.ackReplicas !== undefined) {
    const replicaOf = ["--replicaof", "127.0.0.1", String(primary.port)];
    const replica = await startRedisServer(`redis-${n}-replica`, modeDir, replicaOf);
    stops.push(() => replica.stop());
  }
  const port = await freePort();
  const ingress = spawnScript(
    `ingress-${n}`,
    "apps/ingress/src/main.ts",
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      OPS_PORT: String(await freePort()),
      OPS_HOST: "127.0.0.1",
      REDIS_URL: primary.url,
      TOKEN_SIGNING_KEY: randomBytes(32).toString("base64"),
      SPOTNANA_SIGNING_SECRETS: secret,
      ACK_REPLICAS: String(mode.ackReplicas ?? 0),
    },
    modeDir,
  );
  stops.push(() => ingress.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(ingress, () => answers200(`${url}/readyz`));
  return { url };
}

/** Acknowledged events per second over `seconds` of deliveries, as `skyhook simulate` sends them. */
async function throughput(target: { url: string }): Promise<number> {
  const auth = { mode: "hmac", secret } as const;
  const run = await runDeliveries({
    events: generateEvents({
      runId: randomBytes(4).toString("hex"),
      versions: 3,
      largeShare: 0,
      largeKb: 2_048,
      reorder: 0,
      random: Math.random,
    }),
    durationMs: seconds * 1_000,
    nodes: Array.from({ length: 3 }, () => createSendingNode({ url: target.url, auth })),
    load: { kind: "closed", concurrency: 32 },
    timeScale: 100_000,
    duplicates: 0,
    random: Math.random,
    deliveryId: (event) => `dur-${event.seq}-${randomBytes(4).toString("hex")}`,
    onProgress: () => undefined,
  });
  const acknowledged = run.records.filter((r) => !r.duplicate && r.acknowledged).length;
  return acknowledged / (run.elapsedMs / 1_000);
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
