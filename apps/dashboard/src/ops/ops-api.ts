import {
  inspectKept,
  KeptFilter,
  type OpsContext,
  purgeKept,
  readAudit,
  readLedger,
  replayKept,
} from "@skyhook/queue-kit";
import parseBasicAuth from "basic-auth";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import { z } from "zod";

const ReplayRequest = z.object({
  filter: KeptFilter.default({}),
  dryRun: z.boolean().default(true),
  ratePerSec: z.number().positive().max(10_000).default(100),
});

const PurgeRequest = z.object({
  filter: KeptFilter.default({}),
  /** The number of events the operator saw and agreed to delete: a stale count refuses. */
  confirmCount: z.number().int().min(1),
});

/** Query-string filters, as the CLI's options name them. */
function filterFromQuery(query: Request["query"]) {
  const one = (name: string) => (typeof query[name] === "string" ? query[name] : undefined);
  const location = one("location");
  return KeptFilter.safeParse({
    location: location === undefined || location === "" ? undefined : location.split(","),
    queue: one("queue") || undefined,
    eventType: one("eventType") || undefined,
    operation: one("operation") || undefined,
    subscription: one("subscription") || undefined,
    organizationId: one("organization") || undefined,
    pnrId: one("pnr") || undefined,
    since: one("since") || undefined,
    until: one("until") || undefined,
    errorText: one("error") || undefined,
    jobId: one("job") || undefined,
    limit: one("limit") ? Number(one("limit")) : 500,
  });
}

const problem = (res: Response, status: number, code: string, message: string, details?: unknown) =>
  res
    .status(status)
    .json({ error: { code, message, ...(details === undefined ? {} : { details }) } });

/**
 * The operator actions of `skyhook` (inspect, replay, purge, ledger, audit) over HTTP, behind
 * the dashboard's authentication. Writes accept only `application/json` bodies: a cross-site
 * form cannot send one, so a browser holding the operator's credentials cannot be made to
 * replay or purge by another page. Read-only dashboards refuse writes with 405.
 */
export function opsApi(deps: { ops: Promise<OpsContext>; readOnly: boolean }): Router {
  const router = Router();
  const actorOf = (req: Request) => `dashboard:${parseBasicAuth(req)?.name ?? "unknown"}`;
  const json = express.json({ limit: "64kb" });
  const writable = (req: Request, res: Response, next: NextFunction) => {
    if (deps.readOnly) {
      problem(res, 405, "read_only", "this dashboard is read-only (DASHBOARD_READ_ONLY)");
      return;
    }
    if (!req.is("application/json")) {
      problem(res, 415, "json_required", "send the request as application/json");
      return;
    }
    next();
  };

  router.get("/api/kept", async (req, res) => {
    const filter = filterFromQuery(req.query);
    if (!filter.success) {
      problem(res, 400, "invalid_filter", "invalid filter", filter.error.issues);
      return;
    }
    const events = await inspectKept(await deps.ops, filter.data);
    res.json({ count: events.length, events });
  });

  router.post("/api/replay", writable, json, async (req, res) => {
    const body = ReplayRequest.safeParse(req.body);
    if (!body.success) {
      problem(res, 400, "invalid_request", "invalid replay request", body.error.issues);
      return;
    }
    const report = await replayKept(await deps.ops, body.data.filter, {
      dryRun: body.data.dryRun,
      ratePerSec: body.data.ratePerSec,
      actor: actorOf(req),
    });
    res.json(report);
  });

  router.post("/api/purge", writable, json, async (req, res) => {
    const body = PurgeRequest.safeParse(req.body);
    if (!body.success) {
      problem(
        res,
        400,
        "invalid_request",
        "a purge needs filter and confirmCount",
        body.error.issues,
      );
      return;
    }
    const ops = await deps.ops;
    const matching = await inspectKept(ops, body.data.filter);
    if (matching.length !== body.data.confirmCount) {
      problem(
        res,
        409,
        "confirmation_mismatch",
        `the filter matches ${matching.length} event(s), not the ${body.data.confirmCount} confirmed; nothing deleted`,
      );
      return;
    }
    res.json(await purgeKept(ops, body.data.filter, { actor: actorOf(req) }));
  });

  router.get("/api/ledger", async (_req, res) => {
    const ops = await deps.ops;
    res.json(await readLedger(ops.redis, ops.keys, ops.queues, await ops.queueNames()));
  });

  router.get("/api/audit", async (_req, res) => {
    const ops = await deps.ops;
    res.json(await readAudit(ops.redis, ops.keys, 50));
  });

  return router;
}
