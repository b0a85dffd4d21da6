import { JournalSearch, type OperatorSession, TimelineQuery } from "@skyhook/queue-kit";
import { type Request, Router } from "express";
import { problem } from "./api-problems.ts";

/** A query-string value as given, or undefined when absent, repeated or empty. */
const textOf = (query: Request["query"], name: string) => {
  const value = query[name];
  return typeof value === "string" && value !== "" ? value : undefined;
};

const numberOf = (query: Request["query"], name: string) => {
  const value = textOf(query, name);
  return value === undefined ? undefined : Number(value);
};

/**
 * The journal, as `skyhook trace` and `skyhook events` read it: one PNR's (trip's, traveler's,
 * delivery's) timeline, and a paged search. Everyone signed in reads; nothing here writes.
 */
export function journalApi(deps: {
  operator: Promise<OperatorSession>;
  /** The journal's age bound, which an answer names so an empty one says how far it looked. */
  journalMaxAgeSec: number;
}): Router {
  const router = Router();

  router.get("/api/journal/timeline", async (req, res) => {
    const query = TimelineQuery.safeParse({
      pnr: textOf(req.query, "pnr"),
      trip: textOf(req.query, "trip"),
      traveler: textOf(req.query, "traveler"),
      deliveryId: textOf(req.query, "deliveryId"),
      limit: numberOf(req.query, "limit"),
    });
    if (!query.success) {
      problem(res, 400, "invalid_query", "invalid timeline query", query.error.issues);
      return;
    }
    const entries = await (await deps.operator).journal.timeline(query.data);
    res.json({ count: entries.length, entries, maxAgeSec: deps.journalMaxAgeSec });
  });

  router.get("/api/journal/events", async (req, res) => {
    const query = JournalSearch.safeParse({
      operation: textOf(req.query, "operation"),
      outcome: textOf(req.query, "outcome"),
      subscription: textOf(req.query, "subscription"),
      since: textOf(req.query, "since"),
      until: textOf(req.query, "until"),
      limit: numberOf(req.query, "limit"),
      cursor: textOf(req.query, "cursor"),
    });
    if (!query.success) {
      problem(res, 400, "invalid_query", "invalid journal search", query.error.issues);
      return;
    }
    const page = await (await deps.operator).journal.search(query.data);
    res.json({
      count: page.entries.length,
      entries: page.entries,
      cursor: page.cursor ?? null,
      maxAgeSec: deps.journalMaxAgeSec,
    });
  });

  return router;
}
