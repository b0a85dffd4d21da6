import {
  clearDrift,
  createDriftRecorder,
  createLedger,
  createReplicationWait,
  keyNames,
} from "@skyhook/queue-kit";
import {
  cancelledFlightEnvelope,
  envelope,
  newSigningSecret,
  pnrPayload,
  signedHeaders,
} from "@skyhook/spotnana-sender";
import { createEntityGuard } from "@skyhook/worker";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { BoardListing } from "./support/dashboard-answers.ts";
import { startDownstream } from "./support/downstream.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateCluster } from "./support/private-cluster.ts";
import { type AppProcess, freePort, spawnApp } from "./support/processes.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Every process on a three-master Redis Cluster (REDIS_CLUSTER_NODES): the simulator's run
 * with nothing lost or applied twice, dead letters replayed once their cause is fixed, and the
 * ledger balanced — every script and multi-key command in one slot, or Redis refuses it.
 */
const prefix = "skyhook";
const secret = newSigningSecret();
let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
let ingress: AppProcess;
let worker: AppProcess;
let baseUrl: string;
let failNotices = false;
let downstream: Awaited<ReturnType<typeof startDownstream>>;

beforeAll(async () => {
  cluster = await startPrivateCluster();
  downstream = await startDownstream(() => (failNotices ? 500 : 200));
  const env = { REDIS_CLUSTER_NODES: cluster.nodesEnv, QUEUE_PREFIX: prefix };
  const port = await freePort();
  ingress = spawnApp("ingress", {
    ...env,
    PORT: String(port),
    HOST: "127.0.0.1",
    SPOTNANA_SIGNING_SECRETS: secret,
    // A failing notice is dead-lettered after its second attempt, 100 ms apart.
    RETRY_ATTEMPTS: "2",
    RETRY_BACKOFF_MS: "100",
  });
  baseUrl = `http://127.0.0.1:${port}`;
  worker = spawnApp("worker", { ...env, NOTIFY_URL: downstream.url });
  await ingress.waitForLog("ingress listening", (l) =>
    String(l.msg).startsWith("ingress listening"),
  );
  await worker.waitForLog("worker consuming", (l) => l.msg === "consuming", 30_000);
}, 60_000);

afterAll(async () => {
  await worker?.stop("SIGKILL");
  await ingress?.stop("SIGKILL");
  await downstream?.close();
  await cluster?.stop();
});

const skyhook = (args: readonly string[]) =>
  runCliInProcess(args, { REDIS_CLUSTER_NODES: cluster.nodesEnv, QUEUE_PREFIX: prefix });

async function skyhookDrift(queuePrefix: string) {
  const run = await runCliInProcess(["drift", "--json"], {
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    QUEUE_PREFIX: queuePrefix,
  });
  expect(run.code, run.err).toBe(0);
  return JSON.parse(run.out) as { rows: unknown[] };
}

describe("Redis Cluster", () => {
  it("runs the simulator's mix with nothing lost and nothing applied twice", async () => {
    const { code, out, err } = await skyhook([
      "simulate",
      "--json",
      "--url",
      baseUrl,
      "--mode",
      "hmac",
      "--secret",
      secret,
      "--events",
      String(61 * 4),
      "--closed",
      "--concurrency",
      "8",
      "--large-kb",
      "256",
      "--check",
      "--settle-sec",
      "40",
    ]);
    expect(err).not.toContain("CROSSSLOT");
    if (out === "") throw new Error(`simulate printed no report (exit ${code}): ${err}`);
    const report = JSON.parse(out) as { acknowledged: number; check: unknown; ok: boolean };
    expect(report.check).toMatchObject({ lost: 0, appliedTwice: 0, unsettled: 0 });
    expect(report).toMatchObject({ acknowledged: 244, ok: true });
    expect(code).toBe(0);
  }, 90_000);

  it("dead-letters failing notices, replays them once the receiver is back, and the ledger balances", async () => {
    failNotices = true;
    const sentBefore = downstream.requestCount();
    for (const n of [1, 2, 3]) {
      const body = JSON.stringify(cancelledFlightEnvelope(`PNR-CLUSTER-${n}`));
      const response = await fetch(`${baseUrl}/webhooks/spotnana`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signedHeaders(secret, body, { id: `msg-cluster-${n}` }),
        },
        body,
      });
      expect(response.status).toBe(200);
    }
    await waitFor(
      "three dead letters",
      async () => {
        const { out } = await skyhook(["inspect", "--location", "dead-letter", "--json"]);
        return (JSON.parse(out) as { count: number }).count === 3 ? true : undefined;
      },
      30_000,
    );
    failNotices = false;

    const replay = await skyhook(["replay", "--location", "dead-letter", "--json"]);
    expect(replay.code).toBe(0);
    await waitFor("the replayed notices sent", () =>
      downstream.received
        .slice(sentBefore)
        .filter((r) => r.headers["idempotency-key"] === "msg-cluster-1").length >= 3
        ? true
        : undefined,
    );
    const ledger = await waitFor(
      "the ledger balanced",
      async () => {
        const result = await skyhook(["ledger", "--json", "--settle", "5"]);
        return result.code === 0 ? result : undefined;
      },
      30_000,
    );
    expect(ledger.err).not.toContain("CROSSSLOT");
  }, 90_000);

  it("journals deliveries and outcomes in each queue's slot, and skyhook trace reads one PNR's story back across them", async () => {
    const pnrId = "PNR-CLUSTER-J";
    const deliver = async (id: string, body: unknown) => {
      const text = JSON.stringify(body);
      const response = await fetch(`${baseUrl}/webhooks/spotnana`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signedHeaders(secret, text, { id }) },
        body: text,
      });
      return response.status;
    };
    const { operation: _none, ...invalid } = envelope("BOOKING_CREATED", pnrPayload({ pnrId }));
    expect(await deliver("msg-cj-1", envelope("BOOKING_CREATED", pnrPayload({ pnrId })))).toBe(200);
    expect(await deliver("msg-cj-2", invalid)).toBe(400);
    expect(await deliver("msg-cj-3", envelope("TICKET_VOIDED", pnrPayload({ pnrId })))).toBe(200);
    expect(await deliver("msg-cj-4", cancelledFlightEnvelope(pnrId))).toBe(200);
    const entries = await waitFor(
      "both applied, in the journal",
      async () => {
        const { out, err } = await skyhook(["trace", "--pnr", pnrId, "--json"]);
        expect(err).not.toContain("CROSSSLOT");
        const found = JSON.parse(out) as Array<{
          deliveryId: string;
          outcome: string;
          queue: string;
        }>;
        const applied = found.filter((e) => e.outcome === "applied").length;
        return applied === 2 ? found : undefined;
      },
      30_000,
    );
    expect(entries.map((e) => [e.deliveryId, e.outcome]).sort()).toEqual([
      ["msg-cj-1", "accepted"],
      ["msg-cj-1", "applied"],
      ["msg-cj-2", "rejected"],
      ["msg-cj-3", "accepted"],
      ["msg-cj-4", "accepted"],
      ["msg-cj-4", "applied"],
    ]);
    const queues = [...new Set(entries.map((e) => e.queue))];
    expect(queues.sort()).toEqual([
      "{pnr-v3.booking-created}",
      "{pnr-v3.flight-cancelled}",
      "{rejected}",
      "{unrouted}",
    ]);
    const owners = await cluster.slotOwners();
    const masters = await Promise.all(queues.map(async (q) => owners(await cluster.keySlot(q))));
    // Meaningful only if the journals live on different masters.
    expect(new Set(masters).size).toBeGreaterThan(1);
    const byDelivery = await skyhook(["trace", "--delivery-id", "msg-cj-4", "--json"]);
    expect((JSON.parse(byDelivery.out) as unknown[]).length).toBe(2);
    const searched = await skyhook(["events", "--outcome", "rejected", "--json"]);
    expect(searched.err).not.toContain("CROSSSLOT");
    const found = JSON.parse(searched.out) as { entries: Array<{ deliveryId: string }> };
    expect(found.entries.map((e) => e.deliveryId)).toContain("msg-cj-2");
  }, 60_000);

  it("sends ACK_REPLICAS' WAIT to the master serving the queue's slot, the connection that wrote", async () => {
    const client: Cluster = cluster.connect();
    try {
      await client.ping();
      const asked: number[] = [];
      for (const node of client.nodes("master")) {
        const port = Number(node.options.port);
        vi.spyOn(node, "wait").mockImplementation(async () => {
          asked.push(port);
          return 0;
        });
      }
      const owners = await cluster.slotOwners();
      const wait = createReplicationWait(client, 0);
      const queues = [
        "{pnr-v3.booking-created}",
        "{pnr-v3.flight-cancelled}",
        "{unrouted}",
        "{rejected}",
      ];
      const expected: number[] = [];
      for (const queue of queues) {
        await wait(queue, 100);
        expected.push(owners(await cluster.keySlot(queue)));
      }
      expect(asked).toEqual(expected);
      // Meaningful only if the queues live on different masters.
      expect(new Set(expected).size).toBeGreaterThan(1);
    } finally {
      client.disconnect();
    }
  });

  it("counts a job's completion and records its entity's position with one script per slot", async () => {
    const client: Cluster = cluster.connect();
    try {
      const keys = keyNames(`${prefix}-guard`);
      const queue = "{pnr-v3.booking-created}";
      const key = { subscription: "spotnana", eventType: "PNR_V3", operation: "BOOKING_CREATED" };
      expect(await cluster.keySlot(keys.entityLock("pnr:CL1"))).not.toBe(
        await cluster.keySlot(keys.ledger(queue)),
      );
      await client.hset(keys.job(queue, "wh-cluster-1"), "name", "PNR_V3.BOOKING_CREATED");
      const ledger = createLedger(client, keys);
      const guard = createEntityGuard(client, keys, { lockMs: 10_000, markTtlSec: 600 });
      const holder = await guard.lock("pnr:CL1");
      await holder?.completeAndRelease(
        { entity: "pnr:CL1", version: 2 },
        ledger.completion(queue, "wh-cluster-1", key),
      );
      expect(await client.hgetall(keys.ledger(queue))).toEqual({
        "completed|spotnana|PNR_V3|BOOKING_CREATED": "1",
      });
      expect(await ledger.wasCompleted(queue, "wh-cluster-1")).toBe(true);
      const next = await guard.lock("pnr:CL1");
      expect(next?.newest()).toEqual({ entity: "pnr:CL1", version: 2 });
      await next?.release();
    } finally {
      client.disconnect();
    }
  });

  it("records contract drift, reads it back and clears it, each script in one slot", async () => {
    const client: Cluster = cluster.connect();
    try {
      const keys = keyNames(`${prefix}-drift`);
      const pair = { eventType: "PNR_V3", operation: "BOOKING_CREATED" };
      const recorder = createDriftRecorder(client, keys);
      await recorder.record(pair, { paths: ["seatMap"], truncated: false }, "msg-cl-1");
      await recorder.record(pair, { paths: ["seatMap"], truncated: false }, "msg-cl-2");
      const report = await skyhookDrift(`${prefix}-drift`);
      expect(report.rows).toEqual([
        expect.objectContaining({ subject: "seatMap", count: 2, exampleDeliveryId: "msg-cl-1" }),
      ]);
      expect(await clearDrift(client, keys, pair)).toBe(true);
      expect((await skyhookDrift(`${prefix}-drift`)).rows).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("serves the dashboard's queue list and the ledger page's API from the Cluster", async () => {
    const port = await freePort();
    const dashboard = spawnApp("dashboard", {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      QUEUE_PREFIX: prefix,
      HOST: "127.0.0.1",
      PORT: String(port),
      DASHBOARD_USER: "ops",
      DASHBOARD_PASSWORD: "correct horse battery staple",
    });
    try {
      await dashboard.waitForLog("the dashboard listening", (l) => l.msg === "dashboard listening");
      const authorization = `Basic ${Buffer.from("ops:correct horse battery staple").toString("base64")}`;
      const queues = await fetch(`http://127.0.0.1:${port}/api/queues`, {
        headers: { authorization },
      });
      expect(queues.status).toBe(200);
      const listed = (await jsonOf(queues, BoardListing)).queues;
      expect(listed.map((q) => q.name)).toContain("{pnr-v3.flight-cancelled}.dead-letter");
      const ledger = await fetch(`http://127.0.0.1:${port}/ops/api/ledger`, {
        headers: { authorization },
      });
      expect(ledger.status).toBe(200);
      expect(await ledger.text()).not.toContain("CROSSSLOT");
    } finally {
      await dashboard.stop("SIGKILL");
    }
  }, 60_000);
});
