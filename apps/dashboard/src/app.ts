import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { defaultCatalog, queueLabel } from "@skyhook/contracts";
import { createOpsContext, type EventJobSettings } from "@skyhook/queue-kit";
import { createRedactor } from "@skyhook/service-kit";
import { Queue } from "bullmq";
import express, { type Express } from "express";
import helmet from "helmet";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { type Credentials, requireBasicAuth } from "./basic-auth.ts";
import { opsApi } from "./ops/ops-api.ts";
import { opsPage } from "./ops/ops-page.ts";
import { refuseRedactedWrites } from "./refuse-redacted-writes.ts";

export type DashboardDeps = {
  /** Shared by every queue; owned by the caller, which closes it after `close()`. */
  connection: Redis;
  /** The BullMQ key prefix the producers and workers use (QUEUE_PREFIX). */
  prefix: string;
  queueNames: readonly string[];
  /** bull-board's own read-only mode: every mutating API route answers 405. */
  readOnly: boolean;
  /** Normalised mount path: `/` or `/segment[/segment…]`, no trailing slash. */
  basePath: string;
  credentials: Credentials;
  /**
   * Personal-data field names (REDACT_FIELDS) shown as "[redacted]" in job data and return
   * values. Only the board's view is redacted; the jobs in Redis stay whole for the handlers.
   */
  redactFields: readonly string[];
  /** How replays from the ops page create jobs (the settings every process shares). */
  jobs?: EventJobSettings;
  logger: Logger;
};

/** Where the "Replay & ledger" page lives under the board's base path. */
export const opsPath = "/ops";

export type Dashboard = { app: Express; close(): Promise<void> };

/**
 * Builds the dashboard without listening, so tests mount it on a port of their own.
 * Authentication comes before bull-board's router, so its static assets, its API and its 404s
 * are all behind it; only `/healthz` is public, for the orchestrator's liveness probe.
 */
export function createDashboardApp(deps: DashboardDeps): Dashboard {
  const queues = deps.queueNames.map((name) => {
    // An observer must not rewrite the queue's meta hash (BullMQ version, events stream length)
    // with its own defaults; the producers and workers own it.
    const queue = new Queue(name, {
      connection: deps.connection,
      prefix: deps.prefix,
      skipMetasUpdate: true,
    });
    queue.on("error", (err) => deps.logger.warn({ err, queue: name }, "queue connection error"));
    return queue;
  });

  const redact = createRedactor(deps.redactFields);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(deps.basePath);
  createBullBoard({
    queues: queues.map((queue) => {
      const adapter = new BullMQAdapter(queue, {
        readOnlyMode: deps.readOnly,
        displayName: queueLabel(queue.name),
      });
      // Formatters apply to every job bull-board serialises (listings, the job page, the job
      // returned after an add); failedReason and stacktrace are our own error messages.
      adapter.setFormatter("data", redact);
      adapter.setFormatter("returnValue", redact);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: deps.readOnly ? "Skyhook (read-only)" : "Skyhook" } },
  });
  // bull-board types its router as `any`; it is the Express app its adapter created.
  const board: Express = serverAdapter.getRouter();
  // A mounted sub-app sets its own X-Powered-By unless told not to.
  board.disable("x-powered-by");

  const app = express();
  app.disable("x-powered-by");
  // helmet's default policy suits bull-board's UI: its scripts and API are same-origin, its
  // only inline <script> is a JSON data block, and its web fonts come over https.
  app.use(helmet());
  app.get("/healthz", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  app.use(requireBasicAuth(deps.credentials, deps.logger));
  const ops = createOpsContext({
    redis: deps.connection,
    prefix: deps.prefix,
    catalog: defaultCatalog,
    settings: deps.jobs ?? { dedupTtlSec: 14 * 24 * 3600 },
    logger: deps.logger,
  });
  const opsMount = `${deps.basePath === "/" ? "" : deps.basePath}${opsPath}`;
  app.use(opsMount, opsApi({ ops, readOnly: deps.readOnly }), opsPage({ readOnly: deps.readOnly }));
  app.use(deps.basePath, refuseRedactedWrites(), board);

  return {
    app,
    async close() {
      await (await ops).close();
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
