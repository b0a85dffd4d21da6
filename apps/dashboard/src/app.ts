import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { defaultCatalog, type QueueNames } from "@skyhook/contracts";
import type { RedisClient } from "@skyhook/queue-kit";
import { createOpsContext, type EventJobSettings } from "@skyhook/queue-kit";
import { createRedactor } from "@skyhook/service-kit";
import { Queue } from "bullmq";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { type Credentials, requireBasicAuth } from "./basic-auth.ts";
import { type BoardQueue, boardQueuesOf } from "./board-queues.ts";
import type { TrustProxy } from "./config.ts";
import { deadLetterTitle, staleTitle } from "./job-titles.ts";
import { opsApi } from "./ops/ops-api.ts";
import { opsPageRouter } from "./ops/ops-page.ts";
import { refuseRedactedWrites } from "./refuse-redacted-writes.ts";
import { sameOriginPage } from "./same-origin-page.ts";
import { securityHeaders } from "./security-headers.ts";
import { opsPageUrl, uiConfigFor } from "./ui-config.ts";
import { UnconsumedQueueAdapter } from "./unconsumed-queue-adapter.ts";

export type DashboardDeps = {
  /** Shared by every queue; owned by the caller, which closes it after `close()`. */
  connection: RedisClient;
  /** The BullMQ key prefix the producers and workers use (QUEUE_PREFIX). */
  prefix: string;
  /** The queue names of each operation, and the catch-all's; more come with `addQueues`. */
  queues: readonly QueueNames[];
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
  /** Send HSTS and `upgrade-insecure-requests` on every response, not only over TLS. */
  httpsOnly: boolean;
  /** Express `trust proxy`, so `X-Forwarded-Proto` from a trusted proxy makes a request secure. */
  trustProxy?: TrustProxy | undefined;
  /** IANA zone every timestamp on the board is shown in, with its date and zone name. */
  timeZone: string;
  /** How replays from the ops page create jobs (the settings every process shares). */
  jobs?: EventJobSettings;
  logger: Logger;
};

export type Dashboard = {
  app: Express;
  /** Lists the queues of operations announced later; queues already listed are kept as they are. */
  addQueues(groups: readonly QueueNames[]): void;
  close(): Promise<void>;
};

/**
 * Builds the dashboard without listening, so tests mount it on a port of their own.
 * Authentication comes before bull-board's router, so its static assets, its API and its 404s
 * are all behind it; only `/healthz` is public, for the orchestrator's liveness probe.
 */
export function createDashboardApp(deps: DashboardDeps): Dashboard {
  const redact = createRedactor(deps.redactFields);
  const queues = new Map<string, Queue>();
  const adapters = new Map<string, BullMQAdapter>();
  const known = new Map<string, QueueNames>();

  const adapterFor = (listed: BoardQueue): BullMQAdapter => {
    // An observer must not rewrite the queue's meta hash (BullMQ version, events stream length)
    // with its own defaults; the producers and workers own it.
    const queue = new Queue(listed.name, {
      connection: deps.connection,
      prefix: deps.prefix,
      skipMetasUpdate: true,
    });
    queue.on("error", (err) =>
      deps.logger.warn({ err, queue: listed.name }, "queue connection error"),
    );
    queues.set(listed.name, queue);
    const options = {
      readOnlyMode: deps.readOnly,
      displayName: listed.label,
      description: listed.description,
    };
    const adapter =
      listed.role === "operation"
        ? new BullMQAdapter(queue, options)
        : new UnconsumedQueueAdapter(queue, options);
    // Formatters apply to every job bull-board serialises (listings, the job page, the job
    // returned after an add); failedReason and stacktrace are our own error messages.
    adapter.setFormatter("data", redact);
    adapter.setFormatter("returnValue", redact);
    if (listed.role === "dead-letter") adapter.setFormatter("name", deadLetterTitle);
    if (listed.role === "stale") adapter.setFormatter("name", staleTitle);
    return adapter;
  };

  /** The board's queues in their listing order, creating adapters for names not seen before. */
  const listedAdapters = (): BullMQAdapter[] =>
    boardQueuesOf([...known.values()]).map((listed) => {
      const existing = adapters.get(listed.name);
      if (existing !== undefined) return existing;
      const created = adapterFor(listed);
      adapters.set(listed.name, created);
      return created;
    });

  for (const group of deps.queues) known.set(group.queue, group);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(deps.basePath);
  const board = createBullBoard({
    queues: listedAdapters(),
    serverAdapter,
    options: {
      uiConfig: uiConfigFor({
        readOnly: deps.readOnly,
        basePath: deps.basePath,
        timeZone: deps.timeZone,
      }),
    },
  });
  // bull-board types its router as `any`; it is the Express app its adapter created.
  const boardApp: Express = serverAdapter.getRouter();
  // A mounted sub-app sets its own X-Powered-By unless told not to.
  boardApp.disable("x-powered-by");

  const app = express();
  app.disable("x-powered-by");
  if (deps.trustProxy !== undefined) app.set("trust proxy", deps.trustProxy);
  app.use(securityHeaders({ httpsOnly: deps.httpsOnly }));
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
  app.use(
    opsPageUrl(deps.basePath),
    opsApi({ ops, readOnly: deps.readOnly }),
    opsPageRouter({ readOnly: deps.readOnly }),
  );
  app.use(deps.basePath, sameOriginPage(), refuseRedactedWrites(), boardApp);

  return {
    app,
    addQueues(groups) {
      const before = known.size;
      for (const group of groups) if (!known.has(group.queue)) known.set(group.queue, group);
      if (known.size === before) return;
      // bull-board lists queues in the order they were registered; registering the whole list
      // again keeps an operation's dead letters beside it. Both calls are synchronous, so no
      // request sees the board empty in between.
      const ordered = listedAdapters();
      board.replaceQueues([]);
      board.setQueues(ordered);
      deps.logger.info(
        { queues: ordered.map((adapter) => adapter.getName()) },
        "dashboard lists newly announced queues",
      );
    },
    async close() {
      await (await ops).close();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
