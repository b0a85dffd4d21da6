import { type Catalog, defaultCatalog, type QueueNames } from "@skyhook/contracts";
import {
  createOperatorContext,
  createQueuePool,
  defaultJournalSettings,
  type EventJobSettings,
  type JournalSettings,
  knownQueues,
  type RedisClient,
} from "@skyhook/queue-kit";
import { createRedactor } from "@skyhook/service-kit";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { createAuthenticate, type DashboardAuth } from "./auth/authenticate.ts";
import { createGate } from "./auth/gate.ts";
import { refuseCrossSiteWrites } from "./auth/same-origin-writes.ts";
import { boardPausesThroughSkyhook } from "./board-pauses.ts";
import type { TrustProxy } from "./config.ts";
import { operatorApi } from "./operator-page/operator-api.ts";
import { operatorPageRouter } from "./operator-page/operator-page.ts";
import { refuseLedgerBypass } from "./refuse-ledger-bypass.ts";
import { refuseRedactedWrites } from "./refuse-redacted-writes.ts";
import { createRoleBoards } from "./role-boards.ts";
import { sameOriginPage } from "./same-origin-page.ts";
import { securityHeaders } from "./security-headers.ts";
import { opsPageUrl } from "./ui-config.ts";

export type DashboardDeps = {
  /** Shared by every queue; owned by the caller, which closes it after `close()`. */
  connection: RedisClient;
  /** The BullMQ key prefix the producers and workers use (QUEUE_PREFIX). */
  prefix: string;
  /** DASHBOARD_READ_ONLY: everyone is a viewer, whatever their own role. */
  readOnly: boolean;
  /** Normalised mount path: `/` or `/segment[/segment…]`, no trailing slash. */
  basePath: string;
  /** Who may sign in and how; see auth/authenticate.ts. */
  auth: DashboardAuth;
  /**
   * Personal-data field names (REDACT_FIELDS) shown as "[redacted]" in job data and return
   * values. Only the board's view is redacted; the jobs in Redis stay whole for the handlers.
   */
  redactFields: readonly string[];
  /** Send HSTS and `upgrade-insecure-requests` on every response, not only over TLS. */
  httpsOnly: boolean;
  /**
   * Express `trust proxy`: `X-Forwarded-Proto` and `-For` from a trusted proxy give a request's
   * scheme and client address; with DASHBOARD_AUTH=proxy, the only peers whose user header counts.
   */
  trustProxy?: TrustProxy | undefined;
  /** IANA zone every timestamp on the board is shown in, with its date and zone name. */
  timeZone: string;
  /** How replays from the operator page create jobs (the settings every process shares). */
  jobs?: EventJobSettings;
  /**
   * The operations whose queues are listed before any worker announces one (its composition's
   * catalog); those of announced routes follow, and `addQueues` can add more.
   */
  catalog?: Catalog;
  /** How often the routes workers announce are re-read, so their queues are listed. */
  refreshMs?: number;
  /** The journal settings every process shares, so replays and purges from the operator page are journalled. */
  journal?: JournalSettings;
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
 * In order: security headers; `/healthz`, the one public path, for the orchestrator's probe;
 * cross-site writes refused before anything else looks at them; the login, which decides each
 * request's identity once; then the operator page and API, and bull-board (its static assets, API
 * and 404s included) on the board of the request's role.
 */
export function createDashboardApp(deps: DashboardDeps): Dashboard {
  const app = express();
  app.disable("x-powered-by");
  if (deps.trustProxy !== undefined) app.set("trust proxy", deps.trustProxy);
  // Express compiles `trust proxy` into this function; the proxy login asks it about the peer.
  const trustFn: unknown = app.get("trust proxy fn");
  const isTrustedPeer = (address: string) =>
    typeof trustFn === "function" && trustFn(address, 0) === true;
  const gate = createGate({
    authenticate: createAuthenticate(deps.auth, {
      redis: deps.connection,
      prefix: deps.prefix,
      isTrustedPeer,
      logger: deps.logger,
    }),
    readOnly: deps.readOnly,
  });
  // One pool of observer queues for the boards and the operator page alike.
  const pool = createQueuePool({
    connection: deps.connection,
    prefix: deps.prefix,
    logger: deps.logger,
    observer: true,
  });
  const catalog = deps.catalog ?? defaultCatalog;
  const boards = createRoleBoards({
    pool,
    queues: knownQueues(catalog, []),
    basePath: deps.basePath,
    timeZone: deps.timeZone,
    redact: createRedactor(deps.redactFields),
    logger: deps.logger,
  });
  const journal = deps.journal ?? defaultJournalSettings;
  // Its router is the dashboard's one watch of the announced routes: each read lists the
  // queues of operations announced since on the boards.
  const operator = createOperatorContext({
    redis: deps.connection,
    prefix: deps.prefix,
    catalog,
    settings: deps.jobs ?? { dedupTtlSec: 14 * 24 * 3600 },
    logger: deps.logger,
    queues: pool,
    refreshMs: deps.refreshMs ?? 10_000,
    onRoutes: (groups) => boards.addQueues(groups),
    journal,
  });

  app.use(securityHeaders({ httpsOnly: deps.httpsOnly }));
  app.get("/healthz", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  app.use(refuseCrossSiteWrites());
  app.use(gate.middleware);
  app.use(
    opsPageUrl(deps.basePath),
    operatorApi({
      operator,
      identityOf: gate.identityOf,
      journalMaxAgeSec: journal.maxAgeSec,
    }),
    operatorPageRouter({ identityOf: gate.identityOf }),
  );
  app.use(
    deps.basePath,
    sameOriginPage(),
    refuseRedactedWrites(),
    refuseLedgerBypass(),
    boardPausesThroughSkyhook({ operator, identityOf: gate.identityOf }),
    (req, res, next) => {
      boards.boardFor(gate.identityOf(req).role)(req, res, next);
    },
  );

  return {
    app,
    addQueues: boards.addQueues,
    async close() {
      await (await operator).close();
      await pool.close();
    },
  };
}
