import {
  inspectKept,
  KeptFilter,
  type OperatorSession,
  purgeKept,
  readAudit,
  readLedger,
  replayKept,
} from "@skyhook/queue-kit";
import express, { type Request, Router } from "express";
import { z } from "zod";
import { actorOf, type Identity } from "../auth/identity.ts";
import { jsonOnly, operatorOnly, problem } from "./api-problems.ts";
import { journalApi } from "./journal-api.ts";
import { operationHoldsApi } from "./operation-holds-api.ts";

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

/**
 * The operator actions of `skyhook` (inspect, replay, purge, ledger, audit, trace, events,
 * status, pause, resume) over HTTP, behind the dashboard's login. Everyone signed in reads and
 * dry-runs a replay (it changes nothing); a replay that moves events, a purge, a pause and a
 * resume need the operator role. The audit log names the user the login decided on
 * (`dashboard:<name>`), never one the request declares. Writes accept only `application/json`
 * bodies, as a second line behind the refusal of cross-site writes.
 */
export function operatorApi(deps: {
  operator: Promise<OperatorSession>;
  identityOf: (req: Request) => Identity;
  /** The journal's age bound, which a timeline names so an empty one says how far it looked. */
  journalMaxAgeSec: number;
}): Router {
  const router = Router();
  const actor = (req: Request) => actorOf(deps.identityOf(req));
  const isOperator = (req: Request) => deps.identityOf(req).role === "operator";
  const json = express.json({ limit: "64kb" });
  router.use(operationHoldsApi(deps));
  router.use(journalApi(deps));

  router.get("/api/kept", async (req, res) => {
    const filter = filterFromQuery(req.query);
    if (!filter.success) {
      problem(res, 400, "invalid_filter", "invalid filter", filter.error.issues);
      return;
    }
    const events = await inspectKept(await deps.operator, filter.data);
    res.json({ count: events.length, events });
  });

  router.post("/api/replay", jsonOnly, json, async (req, res) => {
    const body = ReplayRequest.safeParse(req.body);
    if (!body.success) {
      problem(res, 400, "invalid_request", "invalid replay request", body.error.issues);
      return;
    }
    if (!body.data.dryRun && !isOperator(req)) {
      operatorOnly(res);
      return;
    }
    const report = await replayKept(await deps.operator, body.data.filter, {
      dryRun: body.data.dryRun,
      ratePerSec: body.data.ratePerSec,
      actor: actor(req),
    });
    res.json(report);
  });

  router.post("/api/purge", jsonOnly, json, async (req, res) => {
    if (!isOperator(req)) {
      operatorOnly(res);
      return;
    }
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
    const operator = await deps.operator;
    const matching = await inspectKept(operator, body.data.filter);
    if (matching.length !== body.data.confirmCount) {
      problem(
        res,
        409,
        "confirmation_mismatch",
        `the filter matches ${matching.length} event(s), not the ${body.data.confirmCount} confirmed; nothing deleted`,
      );
      return;
    }
    res.json(await purgeKept(operator, body.data.filter, { actor: actor(req) }));
  });

  router.get("/api/ledger", async (_req, res) => {
    const operator = await deps.operator;
    res.json(
      await readLedger(operator.redis, operator.keys, operator.queues, await operator.queueNames()),
    );
  });

  router.get("/api/audit", async (_req, res) => {
    const operator = await deps.operator;
    res.json(await readAudit(operator.redis, operator.keys, 50));
  });

  return router;
}
