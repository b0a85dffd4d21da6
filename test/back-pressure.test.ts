import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSendingNode,
  envelope,
  pnrPayload,
  type SendingNode,
} from "@skyhook/spotnana-sender";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { runCliInProcess } from "./support/cli.ts";
import { devClient, startIngress, startWorker, testTokenSigningKey } from "./support/in-process.ts";
import { DeliveryAnswer, ErrorAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateCluster } from "./support/private-cluster.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { freePort, opsUrlOf, spawnApp } from "./support/processes.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The ingress answers 503 overloaded with Retry-After before Redis refuses writes: when a
 * master's memory passes its share of maxmemory, or when a queue's backlog passes its budget.
 * Spotnana retries for two weeks, so nothing is lost; once the pressure is gone, 200 again.
 * On a Cluster, every master is sampled, and the kept-queue sweeper works there too.
 */
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/**
 * Delivers `body` until the answer has `status`; returns that answer and its body, parsed by
 * `schema`.
 */
async function deliverUntil<Schema extends z.ZodType>(
  client: SendingNode,
  body: () => unknown,
  status: number,
  schema: Schema,
  timeoutMs = 15_000,
) {
  return waitFor(
    `a delivery answered ${status}`,
    async () => {
      const response = await client.deliver(body());
      if (response.status === status) return { response, body: await jsonOf(response, schema) };
      await response.text();
      return undefined;
    },
    timeoutMs,
    100,
  );
}

const booking = () => envelope("BOOKING_CREATED", pnrPayload());

/** Fills `redis` with 512 KiB values until its used memory reaches `share` of maxmemory. */
async function fillMemory(redis: Redis, share: number): Promise<string[]> {
  const info = async (name: string) =>
    Number(new RegExp(`^${name}:(\\d+)`, "m").exec(await redis.info("memory"))?.[1]);
  const max = await info("maxmemory");
  const filler = Buffer.alloc(512 * 1024, 7);
  const keys: string[] = [];
  while ((await info("used_memory")) < max * share) {
    const key = `filler:${keys.length}`;
    await redis.set(key, filler);
    keys.push(key);
  }
  return keys;
}

describe("the ingress budget", () => {
  it("refuses deliveries with 503 overloaded once Redis memory passes 90 % of maxmemory, and takes them again once freed", async () => {
    const server = await startPrivateRedis(undefined, undefined, ["--maxmemory", "48mb"]);
    closers.push(() => server.kill());
    const port = await freePort();
    const ingress = spawnApp("ingress", {
      REDIS_URL: server.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      SHED_SAMPLE_MS: "100",
      SHED_RETRY_AFTER_SEC: "17",
    });
    closers.push(async () => {
      await ingress.stop("SIGKILL");
    });
    await ingress.waitForLog("ingress listening", (l) =>
      String(l.msg).startsWith("ingress listening"),
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    const opsUrl = await opsUrlOf(ingress);
    const client = createSendingNode({ url: baseUrl, auth: { mode: "oauth", ...devClient } });
    expect((await client.deliver(booking())).status).toBe(200);

    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    closers.push(async () => redis.disconnect());
    const filled = await fillMemory(redis, 0.93);
    // Redis itself still takes writes: the ingress refuses before it has to.
    expect(await redis.set("probe", "still writable")).toBe("OK");

    const refused = await deliverUntil(client, booking, 503, ErrorAnswer);
    expect(refused.response.headers.get("retry-after")).toBe("17");
    expect(refused.body.error.code).toBe("overloaded");
    expect(refused.body.error.details).toEqual({ reason: "redis_memory" });
    for (let i = 0; i < 5; i++) expect((await client.deliver(booking())).status).toBe(503);
    // Shedding is not being broken: a balancer must keep sending.
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(200);
    const metrics = await scrape(opsUrl);
    expect(
      metrics.value("skyhook_ingress_shed_total", { reason: "redis_memory" }),
    ).toBeGreaterThanOrEqual(6);
    expect(metrics.value("skyhook_ingress_shedding", { reason: "redis_memory" })).toBe(1);
    expect(metrics.value("skyhook_redis_memory_budget_ratio")).toBeGreaterThanOrEqual(1);
    expect(
      metrics.value("skyhook_deliveries_total", {
        subscription: "spotnana",
        outcome: "shed",
        reason: "overloaded",
      }),
    ).toBeGreaterThanOrEqual(6);
    const started = ingress.logs.filter(
      (l) => l.msg === "shedding every delivery: Redis memory over budget",
    );
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ level: 40, reason: "redis_memory" });

    await redis.del(...filled, "probe");
    const accepted = await deliverUntil(client, booking, 200, DeliveryAnswer);
    expect(accepted.body.status).toBe("accepted");
    await ingress.waitForLog(
      "the all-clear",
      (l) => l.msg === "no longer shedding: Redis memory under budget",
    );
    const after = await scrape(opsUrl);
    expect(after.value("skyhook_ingress_shedding", { reason: "redis_memory" })).toBe(0);
  });

  it("refuses deliveries to a queue whose backlog reached its budget, and only to that queue", async () => {
    const prefix = uniquePrefix("backlog");
    const redis = connect();
    const dir = await mkdtemp(join(tmpdir(), "skyhook-backlog-"));
    closers.push(async () => {
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    });
    const subscriptions = join(dir, "subscriptions.json");
    await writeFile(
      subscriptions,
      JSON.stringify([{ name: "tmc", ...devClient, filters: { organizationIds: ["ORG-42"] } }]),
    );
    const ingress = await startIngress({
      QUEUE_PREFIX: prefix,
      SUBSCRIPTIONS_FILE: subscriptions,
      TOKEN_SIGNING_KEY: testTokenSigningKey,
      SHED_SAMPLE_MS: "100",
      BACKLOG_BUDGETS: "PNR_V3/BOOKING_CREATED=3",
    });
    closers.push(() => ingress.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    for (let i = 0; i < 3; i++) expect((await client.deliver(booking())).status).toBe(200);

    const refused = await deliverUntil(client, booking, 503, ErrorAnswer);
    expect(refused.response.headers.get("retry-after")).toBe("30");
    expect(refused.body.error).toMatchObject({
      code: "overloaded",
      details: { reason: "backlog" },
    });
    const other = envelope("FLIGHT_CANCELLED", pnrPayload());
    expect((await client.deliver(other)).status).toBe(200);
    // A filtered event is kept aside, not queued: no backlog budget applies to it.
    const elsewhere = { ...pnrPayload(), audience: { organizationId: { id: "ORG-7" } } };
    const filtered = await client.deliver(envelope("BOOKING_CREATED", elsewhere));
    expect(await filtered.json()).toMatchObject({ status: "filtered", reason: "organization" });
    expect((await fetch(`${ingress.opsUrl}/readyz`)).status).toBe(200);
    const metrics = await scrape(ingress.opsUrl);
    expect(metrics.value("skyhook_ingress_shedding", { reason: "backlog" })).toBe(1);
    expect(
      metrics.value("skyhook_ingress_shed_total", { reason: "backlog" }),
    ).toBeGreaterThanOrEqual(1);

    // A worker drains the backlog: the queue takes deliveries again.
    const worker = startWorker({
      QUEUE_PREFIX: prefix,
      WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED",
    });
    closers.push(() => worker.close());
    expect((await deliverUntil(client, booking, 200, DeliveryAnswer)).body.status).toBe("accepted");
  });

  it("refuses events without a handler once the catch-all holds CATCH_ALL_MAX_COUNT, until an operator makes room", async () => {
    const prefix = uniquePrefix("catchall");
    const redis = connect();
    closers.push(async () => {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    });
    const ingress = await startIngress({
      QUEUE_PREFIX: prefix,
      SHED_SAMPLE_MS: "100",
      CATCH_ALL_MAX_COUNT: "2",
    });
    closers.push(() => ingress.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const unrouted = () => envelope("TICKET_VOIDED", pnrPayload());
    for (let i = 0; i < 2; i++) expect((await client.deliver(unrouted())).status).toBe(200);

    const refused = await deliverUntil(client, unrouted, 503, ErrorAnswer);
    expect(refused.body.error).toMatchObject({
      code: "overloaded",
      details: { reason: "catch_all_full" },
    });
    expect((await client.deliver(booking())).status).toBe(200);

    const purge = await runCliInProcess(["purge", "--location", "catch-all", "--yes"], {
      QUEUE_PREFIX: prefix,
    });
    expect(purge.code).toBe(0);
    expect((await deliverUntil(client, unrouted, 200, DeliveryAnswer)).body.status).toBe(
      "accepted",
    );
  });
});

describe("on a Redis Cluster", () => {
  let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
  let ingress: Awaited<ReturnType<typeof startIngress>>;
  let client: SendingNode;

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    closers.push(() => cluster.stop());
    ingress = await startIngress({
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      QUEUE_PREFIX: "skyhook",
      SHED_SAMPLE_MS: "100",
      KEPT_SWEEP_MS: "200",
      CATCH_ALL_MAX_AGE_SEC: "1",
      REJECTED_MAX_COUNT: "1",
    });
    closers.push(() => ingress.close());
    // A BullMQ queue first used before the Cluster client is ready stays broken (its
    // initialisation failed for good): wait for readiness, as a balancer would.
    await waitFor("the ingress ready on the Cluster", async () =>
      (await fetch(`${ingress.opsUrl}/readyz`)).status === 200 ? true : undefined,
    );
    client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
  }, 60_000);

  it("samples every master: one near its limit sheds every delivery", async () => {
    expect((await deliverUntil(client, booking, 200, DeliveryAnswer)).body.status).toBe("accepted");
    // The last master, not the seed the client first asked.
    const last = cluster.nodes.at(-1);
    if (last === undefined) throw new Error("no cluster node");
    const master = new Redis(last.port, last.host);
    closers.push(async () => master.disconnect());
    const used = Number(/^used_memory:(\d+)/m.exec(await master.info("memory"))?.[1]);
    await master.config("SET", "maxmemory", String(Math.ceil(used / 0.95)));
    const refused = await deliverUntil(client, booking, 503, ErrorAnswer);
    expect(refused.body.error.details).toEqual({ reason: "redis_memory" });

    await master.config("SET", "maxmemory", "0");
    expect((await deliverUntil(client, booking, 200, DeliveryAnswer)).body.status).toBe("accepted");
  });

  it("trims kept queues there too, each script and pipeline in one slot, and the ledger balances", async () => {
    expect((await client.deliver(envelope("TICKET_VOIDED", pnrPayload()))).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await client.deliver({ event_type: "PNR_V3", attempt: i })).status).toBe(400);
    const env = { REDIS_CLUSTER_NODES: cluster.nodesEnv, QUEUE_PREFIX: "skyhook" };
    await waitFor("the catch-all trimmed by age, one rejected copy left", async () => {
      const ledger = await runCliInProcess(["ledger", "--json", "--settle", "0"], env);
      const rejected = await runCliInProcess(["inspect", "--location", "rejected", "--json"], env);
      const rows = (JSON.parse(ledger.out) as { rows: Array<{ queue: string; trimmed: number }> })
        .rows;
      const trimmed = rows.find((r) => r.queue === "{unrouted}")?.trimmed ?? 0;
      const copies = (JSON.parse(rejected.out) as { count: number }).count;
      return ledger.code === 0 && trimmed === 1 && copies === 1 ? true : undefined;
    });
  });
});
