import { redactedValue } from "@skyhook/service-kit";
import express, { type NextFunction, type Request, type Response, type Router } from "express";

/**
 * The board shows job data redacted, and its "Update data" form starts from what it shows.
 * Sent back, that form would write "[redacted]" over a traveller's real data in Redis, so a
 * write that carries the placeholder is refused. Edits of data without personal fields go
 * through as before. ("Duplicate" adds a job, which is refused for everyone: see
 * refuse-ledger-bypass.ts.)
 */
export function refuseRedactedWrites(): Router {
  const router = express.Router();
  // The same parser, with the same default limit, as bull-board's own router; the body it
  // reads is then left for bull-board as already parsed.
  const parse = express.json();
  const refuse = (req: Request, res: Response, next: NextFunction): void => {
    if (!JSON.stringify(req.body ?? null).includes(JSON.stringify(redactedValue))) {
      next();
      return;
    }
    res.status(422).json({
      error: {
        code: "redacted_data",
        message: `the job data holds "${redactedValue}" placeholders; writing them would replace the real values`,
      },
    });
  };
  router.patch("/api/queues/:queueName/:jobId/update-data", parse, refuse);
  return router;
}
