import { once } from "node:events";
import { defaultCatalog } from "@skyhook/contracts";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicHeader,
  operator,
  type RunningDashboard,
  startDashboard,
} from "./support/dashboard.ts";
import { connect } from "./support/redis.ts";

const names = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED").queues;
const encoded = encodeURIComponent(names.queue);

/** What a browser sends when another site's page submits a form to the board. */
const crossSite = {
  ...basicHeader(operator),
  origin: "https://attacker.example",
  "sec-fetch-site": "cross-site",
  "content-type": "application/x-www-form-urlencoded",
};

describe("the dashboard refuses writes from other sites (real Redis, real HTTP)", () => {
  let redis: Redis;
  let board: RunningDashboard;
  let behindProxy: RunningDashboard;
  let queue: Queue;

  beforeAll(async () => {
    redis = connect();
    board = await startDashboard(redis);
    behindProxy = await startDashboard(redis, { trustProxy: "loopback" });
    queue = new Queue(names.queue, { connection: redis, prefix: board.prefix });
  });

  afterAll(async () => {
    await queue.close();
    await board.stop();
    await behindProxy.stop();
    redis.disconnect();
  });

  /** A job that failed for good, as a worker leaves one once its event is dead-lettered. */
  const failedJob = async () => {
    const worker = new Worker(
      names.queue,
      async () => {
        throw new Error("boom");
      },
      {
        connection: { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null },
        prefix: board.prefix,
      },
    );
    try {
      const failed = once(worker, "failed");
      const job = await queue.add("failed", { n: 1 });
      await failed;
      return job;
    } finally {
      await worker.close();
    }
  };

  it("refuses a cross-site form POST to bull-board's add-job with 403, and adds nothing", async () => {
    const res = await fetch(`${board.url}/api/queues/${encoded}/add`, {
      method: "POST",
      headers: crossSite,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "cross_site_write" } });
    expect(await queue.getJobCounts("waiting", "delayed", "prioritized")).toEqual({
      waiting: 0,
      delayed: 0,
      prioritized: 0,
    });
  });

  it("refuses a cross-site request to bull-board's retry routes", async () => {
    const job = await failedJob();
    for (const path of [
      `/api/queues/${encoded}/${encodeURIComponent(job.id ?? "")}/retry`,
      `/api/queues/${encoded}/retry/failed`,
    ]) {
      const res = await fetch(`${board.url}${path}`, { method: "PUT", headers: crossSite });
      expect(res.status, path).toBe(403);
    }
    expect(await queue.getJobCounts("failed", "waiting")).toEqual({ failed: 1, waiting: 0 });
    await job.remove();
  });

  it("refuses a cross-site POST to /ops/api/replay, even one that claims JSON", async () => {
    for (const contentType of ["text/plain", "application/json"]) {
      const res = await fetch(`${board.url}/ops/api/replay`, {
        method: "POST",
        headers: { ...crossSite, "content-type": contentType },
        body: JSON.stringify({ filter: {}, dryRun: false }),
      });
      expect(res.status, contentType).toBe(403);
    }
  });

  it.each([
    [
      "an Origin of another site (a browser without Sec-Fetch-Site)",
      { origin: "https://attacker.example" },
    ],
    ["an opaque Origin (a sandboxed frame)", { origin: "null" }],
    ["neither Origin nor Sec-Fetch-Site", {}],
    ["Sec-Fetch-Site: same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
  ])("refuses a write with %s", async (_label, proof) => {
    const res = await fetch(`${board.url}/api/queues/${encoded}/pause`, {
      method: "PUT",
      headers: { ...basicHeader(operator), ...proof },
    });
    expect(res.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });

  it("accepts a write from the board's own origin, by Sec-Fetch-Site or by Origin", async () => {
    const proofs: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin" },
      { origin: board.url },
    ];
    for (const proof of proofs) {
      const pause = await fetch(`${board.url}/api/queues/${encoded}/pause`, {
        method: "PUT",
        headers: { ...basicHeader(operator), ...proof },
      });
      expect(pause.status).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      await queue.resume();
    }
  });

  it("judges Origin against the board's address as its TLS proxy shows it (DASHBOARD_TRUST_PROXY)", async () => {
    const proxied = new Queue(names.queue, { connection: redis, prefix: behindProxy.prefix });
    try {
      const via = (origin: string) =>
        fetch(`${behindProxy.url}/api/queues/${encoded}/pause`, {
          method: "PUT",
          headers: {
            ...basicHeader(operator),
            origin,
            "x-forwarded-proto": "https",
            "x-forwarded-host": "board.example.com",
          },
        });
      expect((await via("http://board.example.com")).status).toBe(403);
      expect((await via("https://board.example.com")).status).toBe(200);
      expect(await proxied.isPaused()).toBe(true);
      // The same headers from a peer that is not a trusted proxy count for nothing.
      const direct = await fetch(`${board.url}/api/queues/${encoded}/pause`, {
        method: "PUT",
        headers: {
          ...basicHeader(operator),
          origin: "https://board.example.com",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "board.example.com",
        },
      });
      expect(direct.status).toBe(403);
    } finally {
      await proxied.close();
    }
  });

  it("lets no one add, duplicate or retry a job from the board: 405, pointing to Replay & ledger", async () => {
    const job = await failedJob();
    const sameOrigin = { ...basicHeader(operator), "sec-fetch-site": "same-origin" };
    const routes: [string, string][] = [
      ["POST", `/api/queues/${encoded}/add`],
      ["PUT", `/api/queues/${encoded}/${encodeURIComponent(job.id ?? "")}/retry`],
      ["PUT", `/api/queues/${encoded}/retry/failed`],
      ["PUT", `/api/queues/${encoded}/retry/completed`],
      ["PUT", `/api/queues/${encoded}/job-schedulers/any/run`],
    ];
    for (const [method, path] of routes) {
      const res = await fetch(`${board.url}${path}`, {
        method,
        headers: { ...sameOrigin, "content-type": "application/json" },
        body: JSON.stringify({ name: "injected", data: {} }),
      });
      expect(res.status, path).toBe(405);
      expect(await res.json()).toMatchObject({ error: { code: "bypasses_ledger" } });
    }
    expect(await queue.getJobCounts("failed", "waiting")).toEqual({ failed: 1, waiting: 0 });
    await job.remove();
  });

  it("lets no one delete events nobody handled from the board (empty, obliterate, clean, remove): 405; finished jobs still clean", async () => {
    const failed = await failedJob();
    const waiting = await queue.add("waiting", { n: 2 });
    const sameOrigin = { ...basicHeader(operator), "sec-fetch-site": "same-origin" };
    const put = (path: string) =>
      fetch(`${board.url}/api/queues/${encoded}/${path}`, { method: "PUT", headers: sameOrigin });
    try {
      await queue.pause();
      for (const path of [
        "empty",
        "obliterate",
        "clean/wait",
        "clean/waiting",
        "clean/delayed",
        "clean/prioritized",
        `${encodeURIComponent(waiting.id ?? "")}/clean`,
        `${encodeURIComponent(failed.id ?? "")}/clean`,
      ]) {
        const res = await put(path);
        expect(res.status, path).toBe(405);
        expect(await res.json()).toMatchObject({ error: { code: "bypasses_ledger" } });
      }
      expect(await queue.getJobCounts("failed", "waiting")).toEqual({ failed: 1, waiting: 1 });
      // bull-board's own (it cleans jobs older than 5 s, so this fresh one stays).
      for (const status of ["completed", "failed"])
        expect((await put(`clean/${status}`)).status, status).toBe(200);
    } finally {
      await queue.resume();
      await queue.obliterate({ force: true });
    }
  });
});
