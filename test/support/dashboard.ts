import { once } from "node:events";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { defaultCatalog, type EventJob } from "@skyhook/contracts";
import {
  createDashboardApp,
  type Dashboard,
  type DashboardAuth,
  type DashboardDeps,
  type Role,
} from "@skyhook/dashboard";
import { createDeadLetterWriter, createQueuePool, jobNameOf } from "@skyhook/queue-kit";
import { createLogger, defaultRedactedFields } from "@skyhook/service-kit";
import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import type { Redis } from "ioredis";
import { deletePrefix, uniquePrefix } from "./redis.ts";

export type TestUser = { name: string; password: string; role: Role };

export const operator: TestUser = { name: "ops", password: "operator-test-pass", role: "operator" };
export const viewer: TestUser = { name: "eve", password: "viewer-test-pass", role: "viewer" };

/** Built-in users with plain passwords (as DASHBOARD_USER gives one) and a generous limit. */
export function basicAuth(
  users: readonly TestUser[] = [operator, viewer],
  loginLimits = { perAddress: 10_000, windowSec: 60 },
): DashboardAuth {
  return {
    mode: "basic",
    users: users.map((user) => ({
      name: user.name,
      role: user.role,
      secret: { kind: "plain", password: user.password },
    })),
    loginLimits,
  };
}

export const basicHeader = (user: { name: string; password: string }) => ({
  authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString("base64")}`,
});

export type RunningDashboard = {
  url: string;
  port: number;
  prefix: string;
  dashboard: Dashboard;
  /** Stops listening only: for a test whose Redis is gone, where closing the queues would wait. */
  closeServer(): Promise<void>;
  stop(): Promise<void>;
};

/** createDashboardApp on a free port of 127.0.0.1, with a key prefix of its own. */
export async function startDashboard(
  connection: Redis,
  extra: Partial<DashboardDeps> = {},
): Promise<RunningDashboard> {
  const prefix = uniquePrefix("dash");
  const dashboard = createDashboardApp({
    connection,
    prefix,
    readOnly: false,
    basePath: "/",
    auth: basicAuth(),
    redactFields: defaultRedactedFields,
    httpsOnly: false,
    timeZone: "UTC",
    logger: createLogger({ name: "dashboard-test", level: "silent", redactFields: [] }),
    ...extra,
  });
  const server: Server = dashboard.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const closeServer = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    prefix,
    dashboard,
    closeServer,
    async stop() {
      await closeServer();
      await dashboard.close();
      await deletePrefix(connection, prefix);
    },
  };
}

export type Answer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};

/**
 * A request sent from a chosen loopback address (all of 127/8 is this machine on Linux), so a
 * test can be two different clients without a proxy in between.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? "GET", headers: init.headers, localAddress, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

const silent = createLogger({ name: "dashboard-test-seed", level: "silent", redactFields: [] });

/**
 * Puts one FLIGHT_CANCELLED event in its dead-letter queue under `prefix`, as a worker leaves
 * it when retries are exhausted (the failed job stays in the operation's queue).
 */
export async function seedDeadLetter(redis: Redis, prefix: string, deliveryId: string) {
  const names = defaultCatalog.route("PNR_V3", "FLIGHT_CANCELLED").queues;
  const pool = createQueuePool({ connection: redis, prefix, logger: silent });
  try {
    const event: EventJob = {
      v: 1,
      deliveryId,
      deliveryIdSource: "webhook-id",
      subscription: "spotnana",
      receivedAt: new Date().toISOString(),
      eventType: "PNR_V3",
      operation: "FLIGHT_CANCELLED",
      keys: { pnrId: "PNR-1", version: 1 },
      trace: { requestId: `req-${deliveryId}` },
      envelope: envelope("FLIGHT_CANCELLED", pnrPayload({ pnrId: "PNR-1", version: 1 })),
    };
    const job = await pool
      .get(names.queue)
      .add(jobNameOf(event), event, { jobId: event.deliveryId });
    await createDeadLetterWriter({ queues: pool }).write(
      job,
      { queue: names.queue, deadLetterQueue: names.deadLetter },
      "retries-exhausted",
      "Error: boom",
    );
  } finally {
    await pool.close();
  }
  return names;
}
