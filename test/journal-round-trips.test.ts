import { queueNamesFor } from "@skyhook/contracts";
import { keyNames } from "@skyhook/queue-kit";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devClient, startIngress } from "./support/in-process.ts";
import { startPrivateRedis } from "./support/private-redis.ts";

/**
 * The journal rides in the ledger's count script: the ingress's accepted path sends Redis the
 * same commands with the journal on as with it off, and the journal's writes run inside that
 * script. Watched with MONITOR on a redis-server of the test's own, so no other test's
 * commands mix in.
 */
let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.kill();
});

type Seen = { args: string[]; source: string };

/** Whether `key` is one of the journal's keys of `queue`: its stream, or an index of it. */
function isJournalKey(prefix: string, queue: string, key: string): boolean {
  const keys = keyNames(prefix);
  const stems = [
    keys.journal(queue),
    keys.journalByEntity(queue, "pnr", ""),
    keys.journalByEntity(queue, "trip", ""),
    keys.journalByEntity(queue, "traveler", ""),
    keys.journalByDay(queue, ""),
  ];
  return stems.some((stem) => key.startsWith(stem));
}

/** What Redis executed while `work` ran: commands sent by clients, and those run by scripts. */
async function watched(work: () => Promise<void>): Promise<Seen[]> {
  const client = new Redis(redis.port, "127.0.0.1");
  const monitor = await client.monitor();
  const seen: Seen[] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    seen.push({ args, source });
  });
  try {
    // MONITOR starts with the next command: this one marks the start.
    await client.ping();
    await work();
    await client.ping();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  return seen;
}

/** Runs an ingress with `journal` and sends `count` deliveries, one after another. */
async function deliveries(journal: "on" | "off", count: number) {
  const prefix = `rt-${journal}`;
  const ingress = await startIngress({
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    JOURNAL: journal,
    // Nothing in the background while watched: no sampling, route refresh or sweep.
    SHED_SAMPLE_MS: "600000",
    ROUTES_REFRESH_MS: "600000",
    KEPT_SWEEP_MS: "600000",
  });
  try {
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const send = async (n: number) => {
      const body = envelope("BOOKING_CREATED", pnrPayload({ pnrId: `PNR-RT-${n}` }));
      const response = await client.deliver(body, { "x-spotnana-webhook-id": `rt-${n}` });
      expect(await response.json()).toMatchObject({ status: "accepted" });
    };
    // Scripts loaded and connections open before anything is counted.
    await send(0);
    const seen = await watched(async () => {
      for (let n = 1; n <= count; n++) await send(n);
    });
    const ours = seen.filter((s) => s.args.some((arg) => arg.startsWith(`${prefix}:`)));
    const { queue } = queueNamesFor("PNR_V3", "BOOKING_CREATED");
    const journalWrites = ours.filter((s) => isJournalKey(prefix, queue, s.args[1] ?? ""));
    return {
      sent: ours.filter((s) => s.source !== "lua").map((s) => s.args[0]?.toLowerCase()),
      /** The journal's keys written, and by whom: `lua` when a script wrote them. */
      journal: journalWrites.map(
        (s) => `${s.source === "lua" ? "lua" : "client"} ${s.args[0]?.toLowerCase()}`,
      ),
    };
  } finally {
    await ingress.close();
  }
}

describe("the journal on the ingress's accepted path", () => {
  it("sends no command of its own: the same commands go to Redis with it on as off, and its writes run in the count's script", async () => {
    const count = 5;
    const off = await deliveries("off", count);
    const on = await deliveries("on", count);
    console.info(
      `accepted path, ${count} deliveries: ${JSON.stringify({ off: off.sent, on: on.sent })}`,
    );
    expect(on.sent).toEqual(off.sent);
    expect(on.sent.length).toBeGreaterThan(0);
    expect(on.sent.every((command) => command === "evalsha")).toBe(true);
    expect(off.journal).toEqual([]);
    // Per delivery: the entry, its delivery id, its PNR and trip indexes, all from the script.
    expect(on.journal.filter((c) => c === "lua xadd")).toHaveLength(count);
    expect(on.journal.filter((c) => c === "lua hset")).toHaveLength(count);
    expect(on.journal.filter((c) => c === "lua zadd")).toHaveLength(count * 2);
    expect(on.journal.filter((c) => c.startsWith("client"))).toEqual([]);
  }, 60_000);
});
