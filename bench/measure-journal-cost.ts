// What the journal costs Redis: per entry, the stream entry and its share of the indexes (per
// PNR and trip, per delivery id and day), from MEMORY USAGE after writing a realistic mix
// through the journal's own script, and the used_memory delta over the same writes; per
// delivery, the Redis CPU the ledger's count script spends with the journal and without it
// (INFO cpu, rounds alternated). Run:
//   node --import tsx bench/measure-journal-cost.ts [--deliveries 50000] [--per-pnr 5]
// Its own redis-servers on free ports; nothing is written outside a temporary directory.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { queueNamesFor } from "@skyhook/contracts";
import {
  createJournalWriter,
  createLedger,
  defaultJournalSettings,
  type JournalFields,
  keyNames,
} from "@skyhook/queue-kit";
import { Redis } from "ioredis";
import { z } from "zod";
import { usedMemory } from "./redis-memory.ts";
import { startRedisServer } from "./redis-server.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: { deliveries: { type: "string" }, "per-pnr": { type: "string" } },
  strict: true,
});
const options = z
  .object({
    deliveries: z.coerce.number().int().positive().default(50_000),
    "per-pnr": z.coerce.number().int().positive().default(5),
  })
  .parse(values);

/** Redis's own CPU time so far (user + system), in microseconds. */
async function redisCpuUs(client: Redis): Promise<number> {
  const info = await client.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1]);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1e6;
}

/**
 * The ledger's delivery count (`skyhookCountDelivery`, what the ingress runs per delivery) on a
 * Redis of its own, with the journal and without it, in alternating rounds of pipelines of 100
 * (as the ingress batches them): the Redis CPU per delivery each way.
 */
async function countCpu(queue: string): Promise<string> {
  const counting = await startRedisServer("redis-journal-cpu", dir);
  const client = new Redis(counting.url);
  try {
    const keys = keyNames("skyhook");
    const withJournal = createLedger(client, keys, defaultJournalSettings);
    const without = createLedger(client, keys, { ...defaultJournalSettings, enabled: false });
    const key = { subscription: "spotnana", eventType: "PNR_V3", operation: "BOOKING_CREATED" };
    const perRound = 20_000;
    const results = { on: [] as number[], off: [] as number[] };
    let n = 0;
    const round = async (ledger: ReturnType<typeof createLedger>) => {
      const ids = Array.from({ length: perRound }, () => `wh-${randomUUID()}`);
      const jobs = client.pipeline();
      // HMSET, not HSET: the journal's own HSETs are counted apart below.
      for (const id of ids) jobs.hmset(keys.job(queue, id), "name", "PNR_V3.BOOKING_CREATED");
      await jobs.exec();
      const started = await redisCpuUs(client);
      for (let i = 0; i < ids.length; i += 100) {
        const counts = ids.slice(i, i + 100).map((jobId) => {
          n += 1;
          const pnr = `PNR${String(Math.floor(n / 5)).padStart(9, "0")}`;
          const entry: JournalFields = {
            deliveryId: jobId.slice(3),
            jobId,
            ...key,
            pnrId: pnr,
            tripId: `TRIP${pnr.slice(3)}`,
            version: 1,
            bodyBytes: 2_048,
          };
          return { jobId, key, indexPair: false, entry };
        });
        await ledger.countDeliveries(queue, counts);
      }
      return ((await redisCpuUs(client)) - started) / perRound;
    };
    await round(withJournal);
    await round(without);
    await client.config("RESETSTAT");
    for (let r = 0; r < 5; r++) {
      results.on.push(await round(withJournal));
      results.off.push(await round(without));
    }
    const on = median(results.on);
    const off = median(results.off);
    // Commands only the journal's block runs (the count itself uses EXISTS, HSETNX, HINCRBY).
    const journalOnly = [
      "time",
      "xadd",
      "hget",
      "hset",
      "ttl",
      "zadd",
      "zremrangebyscore",
      "expire",
    ];
    const stats = await client.info("commandstats");
    const commandsUs = journalOnly
      .map((name) =>
        Number(new RegExp(`^cmdstat_${name}:calls=\\d+,usec=(\\d+)`, "m").exec(stats)?.[1] ?? 0),
      )
      .reduce((a, b) => a + b, 0);
    return [
      `Redis CPU per delivery count (skyhookCountDelivery, pipelines of 100, median of 5 rounds of ${perRound.toLocaleString("en-US")}):`,
      `with the journal ${on.toFixed(1)} µs, without ${off.toFixed(1)} µs: the journal adds ${(on - off).toFixed(1)} µs,`,
      `of which its commands (${journalOnly.join(", ")}; INFO commandstats) ${(commandsUs / (5 * perRound)).toFixed(1)} µs`,
    ].join("\n");
  } finally {
    client.disconnect();
    await counting.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), "skyhook-journal-cost-"));
const server = await startRedisServer("redis-journal", dir);
const redis = new Redis(server.url);
try {
  const keys = keyNames("skyhook");
  const queue = queueNamesFor("PNR_V3", "BOOKING_CREATED").queue;
  const writer = createJournalWriter(redis, keys, defaultJournalSettings);
  // One script load before anything is measured.
  await writer.write(queue, "applied", {
    deliveryId: "warm",
    jobId: "warm",
    subscription: "s",
    eventType: "",
    operation: "",
  });
  await redis.del(keys.journal(queue));
  await redis.del(...(await redis.keys("skyhook:*")));
  const before = await usedMemory(redis);

  // Every delivery is accepted, then applied: the journal's everyday pair of entries.
  const entriesOf = (n: number): Array<["accepted" | "applied", JournalFields]> => {
    const deliveryId = randomUUID();
    const pnr = Math.floor(n / options["per-pnr"]);
    const fields: JournalFields = {
      deliveryId,
      jobId: `wh-${deliveryId}`,
      subscription: "spotnana",
      eventType: "PNR_V3",
      operation: "BOOKING_CREATED",
      pnrId: `PNR${String(pnr).padStart(9, "0")}`,
      tripId: `TRIP${String(pnr).padStart(9, "0")}`,
      version: (n % options["per-pnr"]) + 1,
    };
    return [
      ["accepted", { ...fields, bodyBytes: 2_048 }],
      ["applied", fields],
    ];
  };
  const batch = 500;
  for (let start = 0; start < options.deliveries; start += batch) {
    const writes: Promise<void>[] = [];
    for (let n = start; n < Math.min(start + batch, options.deliveries); n++)
      for (const [outcome, fields] of entriesOf(n))
        writes.push(writer.write(queue, outcome, fields));
    await Promise.all(writes);
  }
  const after = await usedMemory(redis);

  const entries = await redis.xlen(keys.journal(queue));
  const usage = async (pattern: string) => {
    let total = 0;
    let count = 0;
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
      cursor = next;
      for (const key of found) {
        total += (await redis.memory("USAGE", key, "SAMPLES", "0")) ?? 0;
        count += 1;
      }
    } while (cursor !== "0");
    return { total, count };
  };
  const stream = (await redis.memory("USAGE", keys.journal(queue), "SAMPLES", "0")) ?? 0;
  const entities = await usage("skyhook:*:sk:jx:*");
  const days = await usage("skyhook:*:sk:jd:*");
  const per = (bytes: number) => (bytes / entries).toFixed(1);
  process.stdout.write(
    [
      `${entries.toLocaleString("en-US")} entries (${options.deliveries.toLocaleString("en-US")} deliveries, each accepted then applied; ${options["per-pnr"]} deliveries per PNR and trip)`,
      "",
      "| what | bytes per entry |",
      "| --- | ---: |",
      `| stream entry (MEMORY USAGE of the stream / entries) | ${per(stream)} |`,
      `| PNR and trip indexes (${entities.count.toLocaleString("en-US")} sorted sets) | ${per(entities.total)} |`,
      `| delivery-id index (${days.count} day hash) | ${per(days.total)} |`,
      `| all three | ${per(stream + entities.total + days.total)} |`,
      `| used_memory delta (keyspace and allocator included) | ${per(after - before)} |`,
      "",
    ].join("\n"),
  );
  process.stdout.write(`${await countCpu(queue)}\n`);
} finally {
  redis.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
