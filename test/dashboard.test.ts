import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultCatalog, queueLabel, unroutedQueueNames } from "@skyhook/contracts";
import {
  createDashboardApp,
  type Dashboard,
  devCredentials,
  loadDashboardConfig,
} from "@skyhook/dashboard";
import { ConfigError, createLogger, defaultRedactedFields } from "@skyhook/service-kit";
import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoardJobAnswer, BoardListing } from "./support/dashboard-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { deletePrefix } from "./support/redis.ts";

const redisUrl = "redis://127.0.0.1:6379";
const credentials = { user: "ops", password: "correct horse battery staple" };
// The catch-all is never consumed, so nothing can be dead-lettered or skipped there: its
// dead-letter and stale queues are not listed.
const unlisted = [unroutedQueueNames.deadLetter, unroutedQueueNames.stale];
const queueNames = defaultCatalog.allQueueNames().filter((name) => !unlisted.includes(name));
const basePath = "/ops/queues";

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const authorized = { authorization: basic(credentials.user, credentials.password) };

type Running = { baseUrl: string; dashboard: Dashboard; server: Server; prefix: string };

async function startDashboard(connection: Redis, readOnly: boolean): Promise<Running> {
  // A prefix of its own isolates this test's keys on the shared Redis; nothing is flushed.
  const prefix = `test-dash-${randomUUID()}`;
  const dashboard = createDashboardApp({
    connection,
    prefix,
    readOnly,
    basePath,
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
    logger: createLogger({
      name: "dashboard-test",
      level: "silent",
      redactFields: defaultRedactedFields,
    }),
  });
  const server = dashboard.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, dashboard, server, prefix };
}

async function stopDashboard(running: Running): Promise<void> {
  const closed = new Promise<void>((resolve) => running.server.close(() => resolve()));
  running.server.closeAllConnections();
  await closed;
  await running.dashboard.close();
}

const deadLetterName = queueNames.find((name) => name.endsWith(".dead-letter"));
const mainName = queueNames.find((name) => !name.endsWith(".dead-letter"));
if (deadLetterName === undefined || mainName === undefined) {
  throw new Error("the default catalog should name main and dead-letter queues");
}

describe("dashboard over HTTP (real Redis)", () => {
  let connection: Redis;
  let writable: Running;
  let readOnly: Running;
  const producers: Queue[] = [];

  beforeAll(async () => {
    connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    writable = await startDashboard(connection, false);
    readOnly = await startDashboard(connection, true);
  });

  afterAll(async () => {
    await Promise.all(producers.map((queue) => queue.close()));
    const started = [writable, readOnly].filter((running) => running !== undefined);
    await Promise.all(started.map(stopDashboard));
    for (const running of started) await deletePrefix(connection, running.prefix);
    connection.disconnect();
  });

  const producer = (name: string, prefix: string) => {
    const queue = new Queue(name, { connection, prefix });
    producers.push(queue);
    return queue;
  };

  it("answers anonymous requests for the UI and the API with 401 and a Basic challenge", async () => {
    for (const path of [`${basePath}/`, `${basePath}/api/queues`]) {
      const res = await fetch(`${writable.baseUrl}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="skyhook-dashboard"');
      const body: unknown = await res.json();
      expect(body).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("refuses a wrong password with 401", async () => {
    const res = await fetch(`${writable.baseUrl}${basePath}/api/queues`, {
      headers: { authorization: basic(credentials.user, "not the password") },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="skyhook-dashboard"');
  });

  it("lists every queue that can hold events, dead letters included, and shows a job added to one", async () => {
    const added = await producer(deadLetterName, writable.prefix).add("dead-lettered", {
      reason: "test",
    });
    const activeQueue = encodeURIComponent(deadLetterName);
    const res = await fetch(
      `${writable.baseUrl}${basePath}/api/queues?activeQueue=${activeQueue}&status=waiting&page=1&jobsPerPage=10`,
      { headers: authorized },
    );
    expect(res.status).toBe(200);
    const listing = await jsonOf(res, BoardListing);

    expect(listing.queues.map((q) => q.name).sort()).toEqual([...queueNames].sort());
    for (const name of unlisted) expect(listing.queues.map((q) => q.name)).not.toContain(name);
    const deadLetter = listing.queues.find((q) => q.name === deadLetterName);
    const operation = queueLabel(deadLetterName.replace(/\.dead-letter$/, ""));
    expect(deadLetter?.displayName).toBe(`${operation} · dead letters`);
    expect(deadLetter?.counts.waiting).toBe(1);
    expect(deadLetter?.jobs.map((job) => job.id)).toEqual([added.id]);
  });

  it("shows a job without the traveller's personal data while Redis keeps the job whole", async () => {
    const payload = pnrPayload();
    const queue = producer(mainName, writable.prefix);
    const job = await queue.add("booking", {
      v: 1,
      envelope: envelope("BOOKING_CREATED", payload),
    });
    const jobId = job.id ?? "";
    const encoded = encodeURIComponent(mainName);

    const listing = await fetch(
      `${writable.baseUrl}${basePath}/api/queues?activeQueue=${encoded}&status=waiting&page=1&jobsPerPage=10`,
      { headers: authorized },
    );
    const single = await fetch(
      `${writable.baseUrl}${basePath}/api/queues/${encoded}/${encodeURIComponent(jobId)}`,
      { headers: authorized },
    );
    expect([listing.status, single.status]).toEqual([200, 200]);
    const listed = (await jsonOf(listing, BoardListing)).queues
      .find((q) => q.name === mainName)
      ?.jobs.find((j) => j.id === jobId);
    const shown = (await jsonOf(single, BoardJobAnswer)).job;

    for (const view of [listed, shown]) {
      expect(view).toMatchObject({
        id: jobId,
        data: {
          envelope: {
            payload: {
              pnrId: payload.pnrId,
              pnrTravelers: [{ userId: { id: "USER-1" }, personalInfo: "[redacted]" }],
              airPnr: payload.airPnr,
            },
          },
        },
      });
      const text = JSON.stringify(view);
      expect(text).not.toContain("Lovelace");
      expect(text).not.toContain("1815-12-10");
    }

    const stored = await queue.getJob(jobId);
    expect(stored?.data.envelope.payload.pnrTravelers).toEqual(payload.pnrTravelers);
    expect(JSON.stringify(stored?.data)).toContain("Lovelace");
  });

  it("serves the board UI and its assets to an authenticated user", async () => {
    const page = await fetch(`${writable.baseUrl}${basePath}/`, { headers: authorized });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<base href="${basePath}/"`);

    const asset = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const anonymous = await fetch(`${writable.baseUrl}${basePath}/${asset}`);
    expect(anonymous.status).toBe(401);
    const withCredentials = await fetch(`${writable.baseUrl}${basePath}/${asset}`, {
      headers: authorized,
    });
    expect(withCredentials.status).toBe(200);
  });

  it("sends security headers with the UI: a content security policy, nosniff, no framing", async () => {
    const page = await fetch(`${writable.baseUrl}${basePath}/`, { headers: authorized });
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(page.headers.get("x-powered-by")).toBeNull();
  });

  it("in read-only mode refuses a mutating call with bull-board's 405 and keeps the job", async () => {
    const queue = producer(mainName, readOnly.prefix);
    const job = await queue.add("kept", { n: 1 });
    const encoded = encodeURIComponent(mainName);

    // Routes Skyhook leaves to the board (it refuses emptying and cleaning unfinished jobs for
    // every role, before the board sees them).
    for (const path of [
      `/api/queues/${encoded}/clean/completed`,
      `/api/queues/${encoded}/promote`,
    ]) {
      const res = await fetch(`${readOnly.baseUrl}${basePath}${path}`, {
        method: "PUT",
        headers: { ...authorized, "sec-fetch-site": "same-origin" },
      });
      expect(res.status, path).toBe(405);
      expect(await res.json()).toEqual({ error: { key: "ERRORS.QUEUE_READ_ONLY" } });
    }

    expect(job.id).toBeDefined();
    expect(await queue.getJob(job.id ?? "")).toBeDefined();
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 1 });
  });

  it("answers /healthz with 200 without credentials", async () => {
    const res = await fetch(`${readOnly.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("dashboard configuration", () => {
  it("refuses to start in production on the development credentials, naming DASHBOARD_PASSWORD", () => {
    const load = () =>
      loadDashboardConfig({
        NODE_ENV: "production",
        DASHBOARD_USER: "ops",
        DASHBOARD_PASSWORD: devCredentials.DASHBOARD_PASSWORD,
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/DASHBOARD_PASSWORD/);
  });
});
