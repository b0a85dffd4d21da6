import express, { type Request, type Response, type Router } from "express";

/**
 * bull-board routes that would run an event outside Skyhook's replay path, for every role:
 *
 * - adding a job (and the UI's "Duplicate", which adds one) puts an event in a queue the
 *   ledger never counted as accepted, with no delivery id, audit entry or schema check;
 * - running a job scheduler adds a job the same way;
 * - retrying a failed job runs again an event whose dead letter is kept: applied once now and
 *   again when the dead letter is replayed, and counted both completed and dead-lettered.
 *
 * Replaying from the Replay & ledger page (or `skyhook replay`) moves the kept copy, counts
 * the move and writes the audit log. bull-board has no switch for these routes; the board's
 * adapters hide the retry buttons (`allowRetries: false`), the "Add job" menu entry stays.
 */
export function refuseLedgerBypass(): Router {
  const router = express.Router();
  const refuse = (_req: Request, res: Response): void => {
    res.status(405).json({
      error: {
        code: "bypasses_ledger",
        message:
          "adding, duplicating and retrying jobs from the board is disabled: replay kept events from Replay & ledger",
      },
    });
  };
  router.post("/api/queues/:queueName/add", refuse);
  router.put("/api/queues/:queueName/retry/:queueStatus", refuse);
  router.put("/api/queues/:queueName/:jobId/retry", refuse);
  router.put("/api/queues/:queueName/job-schedulers/:schedulerId/run", refuse);
  return router;
}
