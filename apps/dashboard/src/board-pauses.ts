import {
  type OperatorContext,
  operationHolds,
  operationQueueOf,
  pauseOperation,
  resumeOperation,
} from "@skyhook/queue-kit";
import { type NextFunction, type Request, type Response, Router } from "express";
import { actorOf, type Identity } from "./auth/identity.ts";

/** Pauses or resumes one operation's queue as `actor`. */
type Act = (operator: OperatorContext, queue: string, actor: string) => Promise<unknown>;

/** The reason a pause from bull-board is kept with: its button asks for none. */
export const boardPauseReason = "paused from the queue board";

/**
 * bull-board's pause and resume buttons (one queue, or all), pressed by an operator, go through
 * Skyhook's own pause and resume, as the ops page's and `skyhook pause|resume` do: who paused
 * and why is kept beside the queue, where `skyhook status` and the ops page read it, and the
 * audit trail has the entry. Left to bull-board, the pause would read "paused by (unknown)" and
 * leave no trace. A viewer's request, and one for a queue that is not an operation's, fall
 * through to the board, which refuses what the role or the queue does not allow.
 */
export function boardPausesThroughSkyhook(deps: {
  operator: Promise<OperatorContext>;
  identityOf: (req: Request) => Identity;
}): Router {
  const router = Router();
  const actor = (req: Request) => actorOf(deps.identityOf(req));
  const isOperator = (req: Request) => deps.identityOf(req).role === "operator";

  const one =
    (act: Act) =>
    async (req: Request<{ queueName: string }>, res: Response, next: NextFunction) => {
      if (!isOperator(req)) return next();
      const operator = await deps.operator;
      const found = await operationQueueOf(operator, req.params.queueName);
      if (!found.ok) return next();
      await act(operator, found.queue, actor(req));
      res.json({});
    };

  const pause: Act = (operator, queue, actor) =>
    pauseOperation(operator, queue, { reason: boardPauseReason, actor });
  const resume: Act = (operator, queue, actor) => resumeOperation(operator, queue, { actor });

  /** Every operation at once; only those that change are acted on, and so audited. */
  const every =
    (act: Act, wanted: "paused" | "running") =>
    async (req: Request, res: Response, next: NextFunction) => {
      if (!isOperator(req)) return next();
      const operator = await deps.operator;
      for (const hold of await operationHolds(operator)) {
        const isPaused = hold.paused !== undefined;
        if (isPaused !== (wanted === "paused")) await act(operator, hold.queue, actor(req));
      }
      res.json({});
    };

  router.put("/api/queues/pause", every(pause, "paused"));
  router.put("/api/queues/resume", every(resume, "running"));
  router.put("/api/queues/:queueName/pause", one(pause));
  router.put("/api/queues/:queueName/resume", one(resume));
  return router;
}
