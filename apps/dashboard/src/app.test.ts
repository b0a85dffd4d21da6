import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createCatalog,
  type DeadLetterJob,
  flightCancelled,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { deadLetterJobId } from "@skyhook/queue-kit";
import { defaultRedactedFields } from "@skyhook/service-kit";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoardListing, type BoardQueue } from "../../../test/support/dashboard-answers.ts";
import { jsonOf } from "../../../test/support/json-body.ts";
import { deletePrefix } from "../../../test/support/redis.ts";
import { createDashboardApp, type Dashboard, type DashboardDeps } from "./app.ts";

const credentials = { user: "ops", password: "app-test-password" };
// As a browser sends it from the board's own pages: every write must carry such a proof.
const authorized = {
  authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`,
  "sec-fetch-site": "same-origin",
};
const names = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const listedNames = [
  names.queue,
  names.deadLetter,
  names.stale,
  names.filtered,
  unroutedQueueNames.queue,
  unroutedQueueNames.filtered,
];
const encoded = encodeURIComponent(names.queue);

type Running = { url: string; dashboard: Dashboard; server: Server; prefix: string };

describe("createDashboardApp (real Redis)", () => {
  let connection: Redis;
  const running: Running[] = [];
  const producers: Queue[] = [];

  async function start(readOnly: boolean, extra: Partial<DashboardDeps> = {}): Promise<Running> {
    // A prefix of its own isolates these keys on the shared Redis; nothing is flushed.
    const prefix = `test-dash-${randomUUID()}`;
    const dashboard = createDashboardApp({
      connection,
      prefix,
      catalog: createCatalog([flightCancelled]),
      readOnly,
      basePath: "/",
      auth: {
        mode: "basic",
        users: [
          {
            name: credentials.user,
            role: "operator",
            secret: { kind: "plain", password: credentials.password },
          },
        ],
        loginLimits: { perAddress: 1_000, windowSec: 60 },
      },
      redactFields: defaultRedactedFields,
      httpsOnly: false,
      timeZone: "UTC",
      logger: pino({ level: "silent" }),
      ...extra,
    });
    const server = dashboard.app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const started = { url: `http://127.0.0.1:${port}`, dashboard, server, prefix };
    running.push(started);
    return started;
  }

  const producer = (name: string, prefix: string) => {
    const queue = new Queue(name, { connection, prefix });
    producers.push(queue);
    return queue;
  };

  beforeAll(() => {
    connection = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    await Promise.all(producers.map((queue) => queue.close()));
    for (const { server, dashboard, prefix } of running) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await dashboard.close();
      await deletePrefix(connection, prefix);
    }
    connection.disconnect();
  });

  it("never sends X-Powered-By, from its own routes or from bull-board's", async () => {
    const { url } = await start(false);
    const responses = await Promise.all([
      fetch(`${url}/healthz`),
      fetch(`${url}/api/queues`),
      fetch(`${url}/api/queues`, { headers: authorized }),
      fetch(`${url}/`, { headers: authorized }),
    ]);
    expect(responses.map((res) => res.status)).toEqual([200, 401, 200, 200]);
    for (const res of responses) expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("mounts the board at the root when the base path is /", async () => {
    const { url } = await start(false);
    const page = await fetch(`${url}/`, { headers: authorized });
    expect(await page.text()).toContain('<base href="/"');
    const api = await fetch(`${url}/api/queues`, { headers: authorized });
    const body = await jsonOf(api, BoardListing);
    expect(body.queues.map((q) => q.name)).toEqual(listedNames);
  });

  it("resolves hash-tagged queue names in the job API and the UI's deep links", async () => {
    const { url, prefix } = await start(false);
    const job = await producer(names.queue, prefix).add("braced", { hello: "world" });
    const jobId = encodeURIComponent(job.id ?? "");

    const api = await fetch(`${url}/api/queues/${encoded}/${jobId}`, { headers: authorized });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ job: { id: job.id, name: "braced" } });

    const deepLink = await fetch(`${url}/queue/${encoded}/${jobId}`, { headers: authorized });
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("lets a writable board act on a hash-tagged queue", async () => {
    const { url, prefix } = await start(false);
    const queue = producer(names.queue, prefix);
    const res = await fetch(`${url}/api/queues/${encoded}/pause`, {
      method: "PUT",
      headers: authorized,
    });
    expect(res.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
  });

  it("in read-only mode changes nothing, through per-queue or board-wide actions", async () => {
    const { url, prefix } = await start(true);
    const queue = producer(names.queue, prefix);
    await queue.add("kept", { n: 1 });

    const perQueue = await fetch(`${url}/api/queues/${encoded}/pause`, {
      method: "PUT",
      headers: authorized,
    });
    expect(perQueue.status).toBe(405);
    expect(await perQueue.json()).toEqual({ error: { key: "ERRORS.QUEUE_READ_ONLY" } });

    const add = await fetch(`${url}/api/queues/${encoded}/add`, {
      method: "POST",
      headers: { ...authorized, "content-type": "application/json" },
      body: JSON.stringify({ name: "injected", data: {} }),
    });
    expect(add.status).toBe(405);

    // bull-board answers 200 to "pause all" but skips read-only queues.
    const boardWide = await fetch(`${url}/api/queues/pause`, {
      method: "PUT",
      headers: authorized,
    });
    expect(boardWide.status).toBe(200);

    expect(await queue.isPaused()).toBe(false);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 1 });
    const listing = await fetch(`${url}/api/queues`, { headers: authorized });
    const body = await jsonOf(listing, BoardListing);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it("writes nothing to Redis while it is only looked at", async () => {
    const { url, prefix } = await start(false);
    const listing = await fetch(`${url}/api/queues?activeQueue=${encoded}`, {
      headers: authorized,
    });
    expect(listing.status).toBe(200);
    const [, keys] = await connection.scan("0", "MATCH", `${prefix}:*`, "COUNT", 1_000);
    expect(keys).toEqual([]);
  });

  it("redacts personal data in a job's return value as well as in its data", async () => {
    const { url, prefix } = await start(false);
    const queue = producer(names.queue, prefix);
    // Options rather than the shared client, so closing them closes the connections they open.
    const own = { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null };
    const events = new QueueEvents(names.queue, { connection: own, prefix });
    const worker = new Worker(
      names.queue,
      async () => ({ notified: { email: "ada@example.com" }, pnrId: "PNR-1" }),
      { connection: own, prefix },
    );
    try {
      await events.waitUntilReady();
      const job = await queue.add("run", { traveler: { dateOfBirth: "1815-12-10" } });
      await job.waitUntilFinished(events, 10_000);

      const res = await fetch(`${url}/api/queues/${encoded}/${encodeURIComponent(job.id ?? "")}`, {
        headers: authorized,
      });
      expect(await res.json()).toMatchObject({
        job: {
          data: { traveler: { dateOfBirth: "[redacted]" } },
          returnValue: { notified: { email: "[redacted]" }, pnrId: "PNR-1" },
        },
      });
      expect((await queue.getJob(job.id ?? ""))?.returnvalue).toEqual({
        notified: { email: "ada@example.com" },
        pnrId: "PNR-1",
      });
    } finally {
      await worker.close();
      await events.close();
    }
  });

  it("refuses to write the redaction placeholder back over a job's real data", async () => {
    const { url, prefix } = await start(false);
    const queue = producer(names.queue, prefix);
    const original = { traveler: { email: "ada@example.com" }, pnrId: "PNR-1" };
    const job = await queue.add("kept", original);
    const jobId = encodeURIComponent(job.id ?? "");
    const json = { ...authorized, "content-type": "application/json" };

    const update = await fetch(`${url}/api/queues/${encoded}/${jobId}/update-data`, {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ jobData: { traveler: { email: "[redacted]" }, pnrId: "PNR-2" } }),
    });
    expect(update.status).toBe(422);
    expect(await update.json()).toMatchObject({ error: { code: "redacted_data" } });

    // "Duplicate" adds a job, which no one may do from the board.
    const duplicate = await fetch(`${url}/api/queues/${encoded}/add`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ name: "copy", data: { traveler: { email: "[redacted]" } } }),
    });
    expect(duplicate.status).toBe(405);

    expect((await queue.getJob(job.id ?? ""))?.data).toEqual(original);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 1 });
  });

  it("still lets an operator update job data that holds no placeholder", async () => {
    const { url, prefix } = await start(false);
    const queue = producer(names.queue, prefix);
    const job = await queue.add("edited", { pnrId: "PNR-1" });

    const update = await fetch(
      `${url}/api/queues/${encoded}/${encodeURIComponent(job.id ?? "")}/update-data`,
      {
        method: "PATCH",
        headers: { ...authorized, "content-type": "application/json" },
        body: JSON.stringify({ jobData: { pnrId: "PNR-2" } }),
      },
    );
    expect(update.status).toBe(200);
    expect((await queue.getJob(job.id ?? ""))?.data).toEqual({ pnrId: "PNR-2" });
  });

  it("closes its queues without closing the caller's connection", async () => {
    const { dashboard } = await start(false);
    await dashboard.close();
    expect(await connection.ping()).toBe("PONG");
  });

  describe("security headers", () => {
    const policyOf = (res: Response) => res.headers.get("content-security-policy") ?? "";

    it("over plain HTTP sends no upgrade-insecure-requests and no HSTS, so the page loads at any address", async () => {
      const { url } = await start(false);
      const page = await fetch(`${url}/`, { headers: authorized });
      expect(page.status).toBe(200);
      expect(policyOf(page)).not.toContain("upgrade-insecure-requests");
      expect(page.headers.get("strict-transport-security")).toBeNull();
    });

    it("allows the page's own origin only: no https: or other origin for any kind of resource", async () => {
      const { url } = await start(false);
      const policy = policyOf(await fetch(`${url}/`, { headers: authorized }));
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "connect-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
      ]) {
        expect(policy).toContain(directive);
      }
      expect(policy).not.toMatch(/https:|http:|\*/);
    });

    it("serves the page without bull-board's Google Fonts stylesheet or any other origin", async () => {
      const { url } = await start(false);
      const html = await (await fetch(`${url}/`, { headers: authorized })).text();
      expect(html).toContain('<link href="static/css/');
      expect(html).not.toContain("fonts.googleapis.com");
      expect(html).not.toMatch(/(?:href|src)=["']?(?:https?:)?\/\//);
    });

    it("adds HSTS and upgrade-insecure-requests to a request a trusted proxy says came over TLS", async () => {
      const { url } = await start(false, { trustProxy: "loopback" });
      const page = await fetch(`${url}/`, {
        headers: { ...authorized, "x-forwarded-proto": "https" },
      });
      expect(policyOf(page)).toContain("upgrade-insecure-requests");
      expect(page.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    });

    it("ignores X-Forwarded-Proto when no proxy is trusted: anyone can send the header", async () => {
      const { url } = await start(false);
      const page = await fetch(`${url}/`, {
        headers: { ...authorized, "x-forwarded-proto": "https" },
      });
      expect(policyOf(page)).not.toContain("upgrade-insecure-requests");
      expect(page.headers.get("strict-transport-security")).toBeNull();
    });

    it("sends both on every response when the board is declared HTTPS-only", async () => {
      const { url } = await start(false, { httpsOnly: true });
      for (const res of [
        await fetch(`${url}/`, { headers: authorized }),
        await fetch(`${url}/healthz`),
      ]) {
        expect(policyOf(res)).toContain("upgrade-insecure-requests");
        expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
      }
    });
  });

  describe("queue presentation", () => {
    const listing = async (url: string, activeQueue?: string): Promise<BoardQueue[]> => {
      const query =
        activeQueue === undefined ? "" : `?activeQueue=${encodeURIComponent(activeQueue)}`;
      const res = await fetch(`${url}/api/queues${query}`, { headers: authorized });
      expect(res.status).toBe(200);
      return (await jsonOf(res, BoardListing)).queues;
    };

    it("reports workers as unknown, not missing, for queues nothing consumes by design", async () => {
      const { url } = await start(false);
      const byName = new Map((await listing(url)).map((q) => [q.name, q]));
      // No worker runs in this test: for the operation's own queue that is a real alarm.
      expect(byName.get(names.queue)?.hasWorkers).toBe(false);
      for (const name of [names.deadLetter, names.stale, unroutedQueueNames.queue]) {
        expect(byName.get(name)?.hasWorkers, name).toBeNull();
      }
    });

    it("titles a dead letter with its reason and cause chain in the job list", async () => {
      const { url, prefix } = await start(false);
      const error =
        "TypeError: fetch failed ← Error: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)";
      const jobId = "wh-1";
      const letter: DeadLetterJob = {
        v: 1,
        event: { traveler: { email: "ada@example.com" } },
        failure: {
          reason: "retries-exhausted",
          error,
          queue: names.queue,
          jobId,
          attemptsMade: 8,
          history: [{ attempt: 8, error: "TypeError: fetch failed" }],
          deadLetteredAt: new Date().toISOString(),
        },
      };
      await producer(names.deadLetter, prefix).add("PNR_V3.FLIGHT_CANCELLED", letter, {
        jobId: deadLetterJobId(jobId),
      });
      const queue = (await listing(url, names.deadLetter)).find((q) => q.name === names.deadLetter);
      expect(queue?.jobs).toEqual([
        expect.objectContaining({
          id: deadLetterJobId(jobId),
          name: `retries-exhausted — ${error}`,
          data: expect.objectContaining({ event: { traveler: { email: "[redacted]" } } }),
        }),
      ]);
    });

    it("adds the queues of an operation announced later, once, beside the ones it had", async () => {
      const { url, dashboard, prefix } = await start(false);
      const later = queueNamesFor("TRAVELER_V2", "TRAVELER_UPDATED");
      dashboard.addQueues([names, later, unroutedQueueNames]);
      dashboard.addQueues([later]);
      const listed = (await listing(url)).map((q) => q.name);
      expect(listed).toEqual([
        names.queue,
        names.deadLetter,
        names.stale,
        names.filtered,
        later.queue,
        later.deadLetter,
        later.stale,
        later.filtered,
        unroutedQueueNames.queue,
        unroutedQueueNames.filtered,
      ]);
      const job = await producer(later.deadLetter, prefix).add("kept", { n: 1 });
      const res = await fetch(
        `${url}/api/queues/${encodeURIComponent(later.deadLetter)}/${encodeURIComponent(job.id ?? "")}`,
        { headers: authorized },
      );
      expect(res.status).toBe(200);
    });

    it("dates and zones every timestamp, and links the replay and ledger page", async () => {
      const { url } = await start(false, { timeZone: "Europe/Berlin", basePath: "/" });
      const html = await (await fetch(`${url}/`, { headers: authorized })).text();
      const json = /<script id="__UI_CONFIG__" type="application\/json">(.*?)<\/script>/s.exec(
        html,
      )?.[1];
      const ui = JSON.parse(json ?? "{}") as {
        dateFormats: Record<"short" | "common" | "full", Intl.DateTimeFormatOptions>;
        miscLinks: { text: string; url: string }[];
      };
      for (const format of Object.values(ui.dateFormats)) {
        expect(
          new Intl.DateTimeFormat("en-US", format).format(Date.UTC(2026, 5, 1, 12, 3, 7)),
        ).toBe("Jun 01, 2026, 14:03:07 GMT+2");
      }
      expect(ui.miscLinks).toEqual([{ text: "Replay & ledger", url: "/ops" }]);
    });
  });
});
