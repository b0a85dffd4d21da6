import express, { type Request, type Response, type Router } from "express";

/** What the board may clean in bulk: jobs whose event was handled or kept as a dead letter. */
const finishedStatuses = new Set(["completed", "failed"]);

/**
 * bull-board routes that would run or delete an event outside Skyhook's replay path and its
 * ledger, refused for every role:
 *
 * - adding a job (and the UI's "Duplicate", which adds one) puts an event in a queue the
 *   ledger never counted as accepted, with no delivery id, audit entry or schema check;
 * - running a job scheduler adds a job the same way;
 * - retrying a failed job runs again an event whose dead letter is kept: applied once now and
 *   again when the dead letter is replayed, and counted both completed and dead-lettered;
 * - emptying or obliterating a queue, or cleaning its waiting, delayed or prioritized jobs,
 *   deletes accepted events nobody handled, which the ledger then misses with no trace of why;
 *   removing one job is refused whatever its state (the route does not say it). Cleaning
 *   completed and failed jobs in bulk stays: a failed job's event is kept as a dead letter,
 *   and retention cleans both anyway.
 *
 * Replaying from the Replay & ledger page (or `skyhook replay`) moves the kept copy, counts
 * the move and writes the audit log. bull-board has no switch for these routes; the board's
 * adapters hide the retry buttons (`allowRetries: false`), the "Add job" menu entry stays.
 */
export function refuseLedgerBypass(): Router {
  const router = express.Router();
  const refusal = (message: string) => (_req: Request, res: Response) => {
    res.status(405).json({ error: { code: "bypasses_ledger", message } });
  };
  const refuse = refusal(
    "adding, duplicating and retrying jobs from the board is disabled: replay kept events from Replay & ledger",
  );
  const refuseLoss = refusal(
    "emptying a queue or removing events nobody handled is disabled: they would be lost outside the ledger; pause the operation instead, and purge kept events from Replay & ledger",
  );
  router.post("/api/queues/:queueName/add", refuse);
  router.put("/api/queues/:queueName/retry/:queueStatus", refuse);
  router.put("/api/queues/:queueName/:jobId/retry", refuse);
  router.put("/api/queues/:queueName/job-schedulers/:schedulerId/run", refuse);
  router.put("/api/queues/:queueName/empty", refuseLoss);
  router.put("/api/queues/:queueName/obliterate", refuseLoss);
  router.put("/api/queues/:queueName/:jobId/clean", refuseLoss);
  router.put(
    "/api/queues/:queueName/clean/:queueStatus",
    (req: Request<{ queueStatus: string }>, res, next) => {
      if (finishedStatuses.has(req.params.queueStatus)) return next();
      refuseLoss(req, res);
    },
  );
  return router;
}
