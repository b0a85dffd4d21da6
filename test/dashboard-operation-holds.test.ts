import { defaultRetryPolicy, queueNamesFor } from "@skyhook/contracts";
import { boardPauseReason } from "@skyhook/dashboard";
import { createDownstreamBreaker, createRouteRegistry, keyNames } from "@skyhook/queue-kit";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import {
  basicHeader,
  operator,
  type RunningDashboard,
  startDashboard,
  type TestUser,
  viewer,
} from "./support/dashboard.ts";
import {
  AuditAnswer,
  OperationsAnswer,
  PauseAnswer,
  ResumeAnswer,
} from "./support/dashboard-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, sharedRedisUrl } from "./support/redis.ts";

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");

/** The ops page's pause, resume and state of operations, over real HTTP on real Redis. */
describe("the dashboard's operations API: state, pause and resume", () => {
  let redis: Redis;
  let board: RunningDashboard;
  let readOnly: RunningDashboard;
  let queue: Queue;

  beforeAll(async () => {
    redis = connect();
    board = await startDashboard(redis);
    readOnly = await startDashboard(redis, { readOnly: true });
    queue = new Queue(cancelled.queue, { connection: redis, prefix: board.prefix });
  });

  afterEach(async () => {
    await queue.obliterate({ force: true });
    await redis.del(keyNames(board.prefix).pauseNote(cancelled.queue));
  });

  afterAll(async () => {
    await queue.close();
    await board.stop();
    await readOnly.stop();
    redis.disconnect();
  });

  const call = (user: TestUser, method: string, path: string, body?: unknown, on = board) =>
    fetch(`${on.url}/ops/api/${path}`, {
      method,
      headers: {
        ...basicHeader(user),
        "sec-fetch-site": "same-origin",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const stateOf = async (user: TestUser, label: string) => {
    const res = await call(user, "GET", "operations");
    expect(res.status).toBe(200);
    const listing = await jsonOf(res, OperationsAnswer);
    return listing.operations.find((o) => o.label === label);
  };

  const pause = { operation: "FLIGHT_CANCELLED", reason: "vendor maintenance until 14:00" };

  it("shows everyone signed in each operation, running, with what waits for it; not the catch-all", async () => {
    await queue.addBulk([1, 2].map((n) => ({ name: "PNR_V3.FLIGHT_CANCELLED", data: { n } })));
    const res = await call(viewer, "GET", "operations");
    const listing = await jsonOf(res, OperationsAnswer);
    expect(listing.operations.map((o) => o.label)).toEqual(
      expect.arrayContaining(["pnr-v3.flight-cancelled", "pnr-v3.booking-created"]),
    );
    expect(listing.operations.map((o) => o.label)).not.toContain("unrouted");
    expect(await stateOf(viewer, "pnr-v3.flight-cancelled")).toMatchObject({
      queue: cancelled.queue,
      condition: "running",
      state: "running",
      held: false,
      heldJobs: 0,
      waiting: 2,
      delayed: 0,
      active: 0,
    });
  });

  it("refuses a viewer's pause and resume with 403 operator_required, and the operation keeps running", async () => {
    for (const [path, body] of [
      ["operations/pause", pause],
      ["operations/resume", { operation: "FLIGHT_CANCELLED" }],
    ] as const) {
      const res = await call(viewer, "POST", path, body);
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: "operator_required" } });
    }
    const asViewer = await call(operator, "POST", "operations/pause", pause, readOnly);
    expect(asViewer.status, "an operator under DASHBOARD_READ_ONLY").toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });

  it("lets an operator pause an operation with a reason: its queue is paused and its waiting jobs held, naming who, when and why", async () => {
    await queue.addBulk([1, 2, 3].map((n) => ({ name: "PNR_V3.FLIGHT_CANCELLED", data: { n } })));
    const res = await call(operator, "POST", "operations/pause", pause);
    expect(res.status).toBe(200);
    const { operation } = await jsonOf(res, PauseAnswer);
    expect(await queue.isPaused()).toBe(true);
    expect(operation).toMatchObject({
      label: "pnr-v3.flight-cancelled",
      condition: "paused",
      paused: { actor: "dashboard:ops", reason: "vendor maintenance until 14:00" },
      held: true,
      heldJobs: 3,
    });
    expect(operation.state).toMatch(
      /^paused by dashboard:ops at \d{4}-\d\d-\d\dT[\d:.]+Z: vendor maintenance until 14:00$/,
    );
    expect(await stateOf(viewer, "pnr-v3.flight-cancelled")).toEqual(operation);
    expect(await stateOf(viewer, "pnr-v3.booking-created")).toMatchObject({ condition: "running" });
  });

  it("lets an operator resume a paused operation, and says so when it was not paused", async () => {
    await call(operator, "POST", "operations/pause", pause);
    const res = await call(operator, "POST", "operations/resume", {
      operation: "pnr-v3.flight-cancelled",
    });
    expect(res.status).toBe(200);
    const resumed = await jsonOf(res, ResumeAnswer);
    expect(resumed).toMatchObject({ resumed: true, operation: { condition: "running" } });
    expect(resumed.operation.paused).toBeUndefined();
    expect(await queue.isPaused()).toBe(false);
    const again = await call(operator, "POST", "operations/resume", {
      operation: "PNR_V3/FLIGHT_CANCELLED",
    });
    expect(await again.json()).toMatchObject({ resumed: false });
  });

  it("audits a pause and a resume with the signed-in user as the actor, never one the request names", async () => {
    await call(operator, "POST", "operations/pause", { ...pause, actor: "someone-else" });
    await call(operator, "POST", "operations/resume", { operation: "FLIGHT_CANCELLED" });
    const audit = await jsonOf(await call(viewer, "GET", "audit"), AuditAnswer);
    expect(audit.slice(0, 2).map((e) => [e.action, e.actor, e.filter])).toEqual([
      ["resume", "dashboard:ops", { queue: cancelled.queue }],
      ["pause", "dashboard:ops", { queue: cancelled.queue, reason: pause.reason }],
    ]);
  });

  it("refuses a cross-site pause, even one that claims JSON, and takes the same request from the board's origin", async () => {
    const from = (origin: string) =>
      fetch(`${board.url}/ops/api/operations/pause`, {
        method: "POST",
        headers: { ...basicHeader(operator), origin, "content-type": "application/json" },
        body: JSON.stringify(pause),
      });
    const crossSite = await from("https://attacker.example");
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: { code: "cross_site_write" } });
    expect(await queue.isPaused()).toBe(false);
    expect((await from(board.url)).status, "the same pause from the board's own origin").toBe(200);
    expect(await queue.isPaused()).toBe(true);
  });

  it("refuses a pause without a reason, of an unknown operation (naming the operations), or not sent as JSON", async () => {
    const noReason = await call(operator, "POST", "operations/pause", {
      operation: "FLIGHT_CANCELLED",
      reason: "  ",
    });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: { code: "invalid_request" } });
    const unknown = await call(operator, "POST", "operations/pause", {
      operation: "NO_SUCH_OPERATION",
      reason: "x",
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: {
        code: "unknown_operation",
        message: expect.stringContaining("pnr-v3.flight-cancelled"),
      },
    });
    const form = await fetch(`${board.url}/ops/api/operations/pause`, {
      method: "POST",
      headers: {
        ...basicHeader(operator),
        "sec-fetch-site": "same-origin",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "operation=FLIGHT_CANCELLED&reason=x",
    });
    expect(form.status).toBe(415);
    expect(await queue.isPaused()).toBe(false);
  });

  it("serves each operation as skyhook status --json prints it, and the CLI resumes what the page paused", async () => {
    const cli = (args: string[]) =>
      runCliInProcess(args, { REDIS_URL: sharedRedisUrl, QUEUE_PREFIX: board.prefix });
    await call(operator, "POST", "operations/pause", pause);
    const listing = await jsonOf(await call(viewer, "GET", "operations"), OperationsAnswer);
    const status = await cli(["status", "--json"]);
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toEqual(listing.operations);

    expect((await cli(["resume", "FLIGHT_CANCELLED"])).code).toBe(0);
    expect(await stateOf(viewer, "pnr-v3.flight-cancelled")).toMatchObject({
      condition: "running",
    });
  });

  it("asks for EVENT_TYPE/OPERATION (400 ambiguous_operation) when two event types have the operation", async () => {
    const own = await startDashboard(redis);
    try {
      await createRouteRegistry(redis, keyNames(own.prefix)).announce([
        {
          eventType: "PNR_V2",
          operation: "FLIGHT_CANCELLED",
          queues: queueNamesFor("PNR_V2", "FLIGHT_CANCELLED"),
          retry: defaultRetryPolicy,
        },
      ]);
      const res = await call(operator, "POST", "operations/pause", pause, own);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "ambiguous_operation" } });
      const named = await call(
        operator,
        "POST",
        "operations/pause",
        { ...pause, operation: "PNR_V2/FLIGHT_CANCELLED" },
        own,
      );
      expect(await named.json()).toMatchObject({
        operation: { label: "pnr-v2.flight-cancelled", condition: "paused" },
      });
    } finally {
      await own.stop();
    }
  });

  /** A press of one of bull-board's buttons: its own API, from the board's origin. */
  const boardPress = (user: TestUser, path: string, on = board) =>
    fetch(`${on.url}/api/queues/${path}`, {
      method: "PUT",
      headers: { ...basicHeader(user), "sec-fetch-site": "same-origin" },
    });

  it("takes an operator's pause and resume from bull-board through Skyhook's: who and why kept, both audited", async () => {
    const paused = await boardPress(operator, `${encodeURIComponent(cancelled.queue)}/pause`);
    expect(paused.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    expect(await stateOf(viewer, "pnr-v3.flight-cancelled")).toMatchObject({
      condition: "paused",
      paused: { actor: "dashboard:ops", reason: boardPauseReason },
    });
    const resumed = await boardPress(operator, `${encodeURIComponent(cancelled.queue)}/resume`);
    expect(resumed.status).toBe(200);
    expect(await queue.isPaused()).toBe(false);
    expect(await stateOf(viewer, "pnr-v3.flight-cancelled")).toMatchObject({
      condition: "running",
    });
    const audit = await jsonOf(await call(viewer, "GET", "audit"), AuditAnswer);
    expect(audit.slice(0, 2).map((e) => [e.action, e.actor, e.filter])).toEqual([
      ["resume", "dashboard:ops", { queue: cancelled.queue }],
      ["pause", "dashboard:ops", { queue: cancelled.queue, reason: boardPauseReason }],
    ]);
  });

  it("pauses and resumes every operation from bull-board's menu the same way, auditing only what changed", async () => {
    await call(operator, "POST", "operations/pause", pause);
    const labels = async () => {
      const listing = await jsonOf(await call(viewer, "GET", "operations"), OperationsAnswer);
      return listing.operations;
    };
    const operations = (await labels()).length;
    try {
      expect((await boardPress(operator, "pause")).status).toBe(200);
      const all = await labels();
      expect(all.every((o) => o.condition === "paused")).toBe(true);
      expect(all.find((o) => o.label === "pnr-v3.flight-cancelled")?.paused?.reason).toBe(
        pause.reason,
      );
      expect(all.find((o) => o.label === "pnr-v3.booking-created")?.paused?.reason).toBe(
        boardPauseReason,
      );
    } finally {
      expect((await boardPress(operator, "resume")).status).toBe(200);
    }
    expect((await labels()).every((o) => o.condition === "running")).toBe(true);
    const audit = await jsonOf(await call(viewer, "GET", "audit"), AuditAnswer);
    // Newest first: a resume of each, a pause of each but the one already paused, then that.
    const fromBoard = audit.slice(0, 2 * operations - 1);
    expect(fromBoard.filter((e) => e.action === "resume")).toHaveLength(operations);
    const pausedByBoard = fromBoard.filter((e) => e.action === "pause");
    expect(pausedByBoard).toHaveLength(operations - 1);
    for (const entry of pausedByBoard)
      expect(entry.filter).toMatchObject({ reason: boardPauseReason });
    expect(audit[2 * operations - 1]).toMatchObject({
      action: "pause",
      filter: { reason: pause.reason },
    });
  });

  it("leaves a viewer's press of bull-board's pause to the board, which refuses it", async () => {
    const res = await boardPress(viewer, `${encodeURIComponent(cancelled.queue)}/pause`);
    expect(res.status).toBe(405);
    const underReadOnly = await boardPress(
      operator,
      `${encodeURIComponent(cancelled.queue)}/pause`,
      readOnly,
    );
    expect(underReadOnly.status).toBe(405);
    expect(await queue.isPaused()).toBe(false);
  });

  it("shows an operation held behind its open breaker: since when its downstream is unavailable, and its next probe", async () => {
    const breaker = createDownstreamBreaker(redis, keyNames(board.prefix), {
      failureThreshold: 3,
      baseIntervalMs: 1_000,
      maxIntervalMs: 60_000,
    });
    const openedAtMs = Date.now();
    await breaker.failed(created.queue, {
      unavailable: true,
      retryAfterMs: 600_000,
      nowMs: openedAtMs,
    });
    try {
      const held = await stateOf(viewer, "pnr-v3.booking-created");
      expect(held).toMatchObject({ condition: "held", held: true });
      expect(held?.state).toBe(
        `held: downstream unavailable since ${new Date(openedAtMs).toISOString()}, next probe at ${new Date(openedAtMs + 600_000).toISOString()}`,
      );
    } finally {
      await redis.del(keyNames(board.prefix).breaker(created.queue));
    }
  });
});
