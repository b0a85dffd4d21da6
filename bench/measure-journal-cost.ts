// What the journal costs Redis per entry: the stream entry and its share of the indexes (per
// PNR and trip, per delivery id and day), from MEMORY USAGE after writing a realistic mix
// through the journal's own script, and the used_memory delta over the same writes. Run:
//   node --import tsx bench/measure-journal-cost.ts [--deliveries 50000] [--per-pnr 5]
// Its own redis-server on a free port; nothing is written outside a temporary directory.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { queueNamesFor } from "@skyhook/contracts";
import {
  createJournalWriter,
  defaultJournalSettings,
  type JournalFields,
  keyNames,
} from "@skyhook/queue-kit";
import { Redis } from "ioredis";
import { z } from "zod";
import { usedMemory } from "./redis-memory.ts";
import { startRedisServer } from "./redis-server.ts";

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
} finally {
  redis.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
