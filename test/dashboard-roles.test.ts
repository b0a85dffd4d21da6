import {
  defaultCatalog,
  type EventJob,
  type QueueNames,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import {
  createEnqueuer,
  createJournalWriter,
  createLedger,
  createQueuePool,
  deadLetterJobId,
  defaultJournalSettings,
  filteredJobId,
  keyNames,
  replayJobId,
} from "@skyhook/queue-kit";
import { createLogger } from "@skyhook/service-kit";
import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  basicAuth,
  basicHeader,
  operator,
  type RunningDashboard,
  seedDeadLetter,
  startDashboard,
  type TestUser,
  viewer,
} from "./support/dashboard.ts";
import {
  AuditAnswer,
  BoardListing,
  JournalPageAnswer,
  KeptEventsAnswer,
  TimelineAnswer,
} from "./support/dashboard-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect } from "./support/redis.ts";

const names: QueueNames = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const q = encodeURIComponent(names.queue);
const dl = encodeURIComponent(names.deadLetter);

describe("dashboard roles: viewer and operator (real Redis, real HTTP)", () => {
  let redis: Redis;
  let board: RunningDashboard;
  let readOnly: RunningDashboard;
  let queue: Queue;
  let deadLetters: Queue;

  beforeAll(async () => {
    redis = connect();
    board = await startDashboard(redis);
    readOnly = await startDashboard(redis, { readOnly: true });
    queue = new Queue(names.queue, { connection: redis, prefix: board.prefix });
    deadLetters = new Queue(names.deadLetter, { connection: redis, prefix: board.prefix });
  });

  afterAll(async () => {
    await queue.close();
    await deadLetters.close();
    await board.stop();
    await readOnly.stop();
    redis.disconnect();
  });

  beforeEach(async () => {
    await queue.obliterate({ force: true });
    await deadLetters.obliterate({ force: true });
  });

  const call = (
    on: RunningDashboard,
    user: TestUser,
    method: string,
    path: string,
    body?: unknown,
  ) =>
    fetch(`${on.url}${path}`, {
      method,
      headers: {
        ...basicHeader(user),
        "sec-fetch-site": "same-origin",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const listing = async (user: TestUser) => {
    const res = await call(board, user, "GET", "/api/queues");
    return new Map((await jsonOf(res, BoardListing)).queues.map((l) => [l.name, l]));
  };

  it("shows a viewer every queue read-only, without retry buttons", async () => {
    for (const listed of (await listing(viewer)).values()) {
      expect(listed, listed.name).toMatchObject({ readOnlyMode: true, allowRetries: false });
    }
  });

  it("lets an operator act on operation queues only; kept events leave through Replay & ledger", async () => {
    const listed = await listing(operator);
    expect(listed.get(names.queue)).toMatchObject({ readOnlyMode: false, allowRetries: false });
    for (const name of [
      names.deadLetter,
      names.stale,
      names.filtered,
      unroutedQueueNames.filtered,
    ]) {
      expect(listed.get(name), name).toMatchObject({ readOnlyMode: true });
    }
    const cleanKept = await call(board, operator, "PUT", `/api/queues/${dl}/clean/waiting`);
    expect(cleanKept.status).toBe(405);
  });

  it("refuses a viewer every bull-board write route, and the queue stays as it was", async () => {
    const job = await queue.add("kept", { n: 1 }, { delay: 60_000 });
    const id = encodeURIComponent(job.id ?? "");
    const writes: [string, string, unknown?][] = [
      ["PUT", `/api/queues/${q}/pause`],
      ["PUT", `/api/queues/${q}/resume`],
      ["PUT", `/api/queues/${q}/clean/delayed`],
      ["PUT", `/api/queues/${q}/empty`],
      ["PUT", `/api/queues/${q}/obliterate`, {}],
      ["PUT", `/api/queues/${q}/promote`],
      ["PUT", `/api/queues/${q}/concurrency`, { concurrency: 1 }],
      ["PUT", `/api/queues/${q}/rate-limit`, { max: 1, duration: 1000 }],
      ["PUT", `/api/queues/${q}/${id}/clean`],
      ["PUT", `/api/queues/${q}/${id}/promote`],
      ["PATCH", `/api/queues/${q}/${id}/update-data`, { jobData: { n: 2 } }],
      ["PATCH", `/api/queues/${q}/${id}/delay`, { runAt: Date.now() + 1_000 }],
      ["PATCH", `/api/queues/${q}/${id}/priority`, { priority: 1 }],
      ["PUT", `/api/queues/${q}/job-schedulers/any/remove`],
    ];
    for (const [method, path, body] of writes) {
      const res = await call(board, viewer, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(405);
    }
    // bull-board answers the board-wide actions 200 and skips every read-only queue.
    expect((await call(board, viewer, "PUT", "/api/queues/pause")).status).toBe(200);
    expect(await queue.isPaused()).toBe(false);
    const kept = await queue.getJob(job.id ?? "");
    expect(kept?.data).toEqual({ n: 1 });
    expect(await kept?.getState()).toBe("delayed");
  });

  it("lets an operator pause, edit and promote on an operation queue, but not remove an unhandled job", async () => {
    const job = await queue.add("kept", { n: 1 }, { delay: 60_000 });
    const id = encodeURIComponent(job.id ?? "");
    expect((await call(board, operator, "PUT", `/api/queues/${q}/pause`)).status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    await queue.resume();
    const edit = await call(board, operator, "PATCH", `/api/queues/${q}/${id}/update-data`, {
      jobData: { n: 2 },
    });
    expect(edit.status).toBe(200);
    expect((await queue.getJob(job.id ?? ""))?.data).toEqual({ n: 2 });
    expect((await call(board, operator, "PUT", `/api/queues/${q}/${id}/promote`)).status).toBe(204);
    expect((await call(board, operator, "PUT", `/api/queues/${q}/${id}/clean`)).status).toBe(405);
    expect(await queue.getJob(job.id ?? "")).toBeDefined();
    await job.remove();
  });

  it("lets a viewer dry-run a replay but not replay or purge; an operator may do both", async () => {
    const jobId = "wh-roles-1";
    await seedDeadLetter(redis, board.prefix, jobId);
    const filter = { location: ["dead-letter"] };

    const dryRun = await call(board, viewer, "POST", "/ops/api/replay", { filter, dryRun: true });
    expect(dryRun.status).toBe(200);
    expect(await dryRun.json()).toMatchObject({ matched: 1 });
    for (const [path, body] of [
      ["/ops/api/replay", { filter, dryRun: false }],
      ["/ops/api/purge", { filter, confirmCount: 1 }],
    ] as const) {
      const res = await call(board, viewer, "POST", path, body);
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: "operator_required" } });
    }
    expect(await deadLetters.getWaitingCount()).toBe(1);

    const replay = await call(board, operator, "POST", "/ops/api/replay", {
      filter,
      dryRun: false,
    });
    expect(replay.status).toBe(200);
    expect(await deadLetters.getWaitingCount()).toBe(0);
    expect(await queue.getJob(replayJobId(jobId))).toBeDefined();
  });

  it("lists a filtered delivery only when asked for by name, and lets an operator replay it", async () => {
    const pool = createQueuePool({
      connection: redis,
      prefix: board.prefix,
      logger: createLogger({ name: "roles-test", level: "silent", redactFields: [] }),
    });
    const enqueuer = createEnqueuer({
      queues: pool,
      ledger: createLedger(redis, keyNames(board.prefix)),
      timeoutMs: 5_000,
      settings: { dedupTtlSec: 600 },
    });
    const event: EventJob = {
      v: 1,
      deliveryId: "msg-roles-filtered",
      deliveryIdSource: "webhook-id",
      subscription: "spotnana",
      receivedAt: new Date().toISOString(),
      eventType: "PNR_V3",
      operation: "FLIGHT_CANCELLED",
      keys: { pnrId: "PNR-F" },
      trace: { requestId: "req-filtered" },
      envelope: envelope("FLIGHT_CANCELLED", pnrPayload({ pnrId: "PNR-F" })),
    };
    const route = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED");
    const jobId = "wh-roles-filtered";
    await enqueuer.filtered(route, event, jobId, "organization");
    await pool.close();

    const listed = async (query: string) =>
      jsonOf(await call(board, viewer, "GET", `/ops/api/kept${query}`), KeptEventsAnswer);
    expect((await listed("")).events).toEqual([]);
    expect((await listed("?location=filtered")).events).toEqual([
      expect.objectContaining({ jobId: filteredJobId(jobId), why: "filtered: organization" }),
    ]);
    const replay = await call(board, operator, "POST", "/ops/api/replay", {
      filter: { location: ["filtered"], jobId: filteredJobId(jobId) },
      dryRun: false,
    });
    expect(await replay.json()).toMatchObject({ moved: { [names.queue]: 1 } });
    expect(await queue.getJob(replayJobId(jobId))).toBeDefined();
    expect((await listed("?location=filtered")).events).toEqual([]);
  });

  it("names the signed-in user in the audit log, viewer and operator alike", async () => {
    const jobId = "wh-roles-2";
    await seedDeadLetter(redis, board.prefix, jobId);
    const filter = { location: ["dead-letter"], jobId: deadLetterJobId(jobId) };
    await call(board, viewer, "POST", "/ops/api/replay", { filter, dryRun: true });
    await call(board, operator, "POST", "/ops/api/replay", { filter, dryRun: false });
    const audit = await call(board, viewer, "GET", "/ops/api/audit");
    const entries = await jsonOf(audit, AuditAnswer);
    const ours = entries.filter((e) => JSON.stringify(e.filter).includes(jobId));
    expect(ours.map((e) => [e.actor, e.dryRun])).toEqual([
      ["dashboard:ops", false],
      ["dashboard:eve", true],
    ]);
  });

  it("lets a viewer read the journal: a timeline and a paged search, each entry saying where its event is kept", async () => {
    const jobId = "wh-roles-3";
    await seedDeadLetter(redis, board.prefix, jobId);
    const journal = createJournalWriter(redis, keyNames(board.prefix), defaultJournalSettings);
    await journal.write(names.queue, "dead-lettered", {
      deliveryId: jobId,
      jobId,
      subscription: "spotnana",
      eventType: "PNR_V3",
      operation: "FLIGHT_CANCELLED",
      reason: "retries-exhausted: Error: boom",
    });
    const filter = { location: ["dead-letter"], jobId: deadLetterJobId(jobId) };
    await call(board, operator, "POST", "/ops/api/replay", { filter, dryRun: false });

    const timeline = await call(
      board,
      viewer,
      "GET",
      `/ops/api/journal/timeline?deliveryId=${jobId}`,
    );
    expect(timeline.status).toBe(200);
    const story = await jsonOf(timeline, TimelineAnswer);
    expect(story.maxAgeSec).toBe(defaultJournalSettings.maxAgeSec);
    expect(story.entries.map((e) => [e.outcome, e.jobId, e.kept?.jobId])).toEqual([
      ["dead-lettered", jobId, deadLetterJobId(jobId)],
      ["replayed", replayJobId(jobId), undefined],
    ]);
    const first = await call(
      board,
      viewer,
      "GET",
      "/ops/api/journal/events?outcome=replayed&limit=1",
    );
    const page = await jsonOf(first, JournalPageAnswer);
    expect(page.maxAgeSec).toBe(defaultJournalSettings.maxAgeSec);
    expect(page.entries.map((e) => e.outcome)).toEqual(["replayed"]);
    expect(typeof page.cursor).toBe("string");
    const next = await call(
      board,
      viewer,
      "GET",
      `/ops/api/journal/events?outcome=replayed&cursor=${page.cursor}`,
    );
    expect(next.status).toBe(200);
    for (const path of [
      "/ops/api/journal/timeline?pnr=P&trip=T",
      "/ops/api/journal/timeline",
      "/ops/api/journal/events?cursor=bogus",
      "/ops/api/journal/events?outcome=vanished",
    ]) {
      const refused = await call(board, viewer, "GET", path);
      expect(refused.status, path).toBe(400);
      expect(await refused.json(), path).toMatchObject({ error: { code: "invalid_query" } });
    }
    const anonymous = await fetch(`${board.url}/ops/api/journal/timeline?pnr=PNR-1`);
    expect(anonymous.status).toBe(401);
  });

  it("serves a viewer the Replay & ledger page without its Replay buttons", async () => {
    const page = async (user: TestUser) =>
      (await (await call(board, user, "GET", "/ops/")).text()).match(/data-read-only="(\w+)"/)?.[1];
    expect(await page(viewer)).toBe("true");
    expect(await page(operator)).toBe("false");
  });

  describe("DASHBOARD_READ_ONLY", () => {
    it("makes an operator a viewer: a dry run works, a replay is refused, the board is read-only", async () => {
      await seedDeadLetter(redis, readOnly.prefix, "wh-ro-1");
      const filter = { location: ["dead-letter"] };
      const dryRun = await call(readOnly, operator, "POST", "/ops/api/replay", {
        filter,
        dryRun: true,
      });
      expect(dryRun.status).toBe(200);
      expect(await dryRun.json()).toMatchObject({ matched: 1 });
      const replay = await call(readOnly, operator, "POST", "/ops/api/replay", {
        filter,
        dryRun: false,
      });
      expect(replay.status).toBe(403);
      const res = await call(readOnly, operator, "GET", "/api/queues");
      const listed = (await jsonOf(res, BoardListing)).queues;
      expect(listed.every((l) => l.readOnlyMode)).toBe(true);
    });
  });

  it("treats a lone built-in user given the viewer role (DASHBOARD_USER_ROLE=viewer) as a viewer", async () => {
    const solo = await startDashboard(redis, { auth: basicAuth([{ ...viewer, name: "solo" }]) });
    try {
      const res = await call(solo, { ...viewer, name: "solo" }, "PUT", `/api/queues/${q}/pause`);
      expect(res.status).toBe(405);
    } finally {
      await solo.stop();
    }
  });
});
