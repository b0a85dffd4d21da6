import {
  holdReport,
  type OperatorContext,
  operationHold,
  operationHolds,
  operationQueueOf,
  pauseOperation,
  resumeOperation,
} from "@skyhook/queue-kit";
import express, { type Request, type Response, Router } from "express";
import { z } from "zod";
import { actorOf, type Identity } from "../auth/identity.ts";
import { jsonOnly, operatorOnly, problem } from "./api-problems.ts";

/** As `skyhook pause|resume` names it: `FLIGHT_CANCELLED`, `PNR_V3/FLIGHT_CANCELLED` or a label. */
const OperationName = z.string().trim().min(1).max(200);

const PauseRequest = z.object({
  operation: OperationName,
  /** Shown on the page and in `skyhook status`, and kept in the audit trail. */
  reason: z.string().trim().min(1).max(500),
});

const ResumeRequest = z.object({ operation: OperationName });

/**
 * Each operation's hold, and pausing and resuming one by hand, as `skyhook status|pause|resume`
 * do: the same names, words and JSON, the same audit entries, with the signed-in user as the
 * actor. Everyone signed in reads; pausing and resuming need the operator role.
 */
export function operationHoldsApi(deps: {
  operator: Promise<OperatorContext>;
  identityOf: (req: Request) => Identity;
}): Router {
  const router = Router();
  const actor = (req: Request) => actorOf(deps.identityOf(req));
  const isOperator = (req: Request) => deps.identityOf(req).role === "operator";
  const json = express.json({ limit: "16kb" });

  /** The queue the request names, or the answer already sent saying why there is none. */
  const queueNamed = async (operator: OperatorContext, named: string, res: Response) => {
    const found = await operationQueueOf(operator, named);
    if (found.ok) return found.queue;
    problem(res, found.reason === "unknown_operation" ? 404 : 400, found.reason, found.message);
    return undefined;
  };

  router.get("/api/operations", async (_req, res) => {
    const holds = await operationHolds(await deps.operator);
    const now = Date.now();
    res.json({
      at: new Date(now).toISOString(),
      operations: holds.map((hold) => holdReport(hold, now)),
    });
  });

  router.post("/api/operations/pause", jsonOnly, json, async (req, res) => {
    if (!isOperator(req)) {
      operatorOnly(res);
      return;
    }
    const body = PauseRequest.safeParse(req.body);
    if (!body.success) {
      problem(res, 400, "invalid_request", "a pause needs operation and reason", body.error.issues);
      return;
    }
    const operator = await deps.operator;
    const queue = await queueNamed(operator, body.data.operation, res);
    if (queue === undefined) return;
    await pauseOperation(operator, queue, { reason: body.data.reason, actor: actor(req) });
    res.json({ operation: holdReport(await operationHold(operator, queue), Date.now()) });
  });

  router.post("/api/operations/resume", jsonOnly, json, async (req, res) => {
    if (!isOperator(req)) {
      operatorOnly(res);
      return;
    }
    const body = ResumeRequest.safeParse(req.body);
    if (!body.success) {
      problem(res, 400, "invalid_request", "a resume needs operation", body.error.issues);
      return;
    }
    const operator = await deps.operator;
    const queue = await queueNamed(operator, body.data.operation, res);
    if (queue === undefined) return;
    const resumed = await resumeOperation(operator, queue, { actor: actor(req) });
    res.json({ resumed, operation: holdReport(await operationHold(operator, queue), Date.now()) });
  });

  return router;
}
