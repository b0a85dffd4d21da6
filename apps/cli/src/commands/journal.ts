import { queueLabel } from "@skyhook/contracts";
import {
  type JournalEntry,
  JournalSearch,
  journalOutcomes,
  TimelineQuery,
} from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { z } from "zod";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { withOperator } from "../session.ts";
import { table } from "../table.ts";

const cut = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length - 3)}...` : text;

function journalTable(entries: readonly JournalEntry[]): string {
  return table(
    ["at", "outcome", "operation", "delivery id", "job", "queue", "pnr", "why", "kept"],
    entries.map((e) => [
      e.at,
      e.outcome,
      `${e.eventType || "-"}/${e.operation || "-"}`,
      e.deliveryId || "-",
      e.jobId || "-",
      queueLabel(e.queue),
      e.pnrId ?? "-",
      cut(e.reason ?? "-", 80),
      e.kept === undefined ? "-" : `${e.kept.location} ${e.kept.jobId}`,
    ]),
  );
}

/** Options as the user typed them, through the reader's own schema: exit 2 naming each. */
function parsed<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.length === 0 ? "" : `--${i.path.join(".")}: `}${i.message}`,
  );
  throw new CliExit(2, problems.join("; "));
}

const count = (value: unknown) => (value === undefined ? undefined : Number(value));

export function journalCommands(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("trace")
    .description(
      "What happened to one PNR, trip, traveler or delivery: every delivery and outcome the journal holds for it, across every queue, oldest first",
    )
    .option("--pnr <id>", "a PNR id (payload pnrId)")
    .option("--trip <id>", "a trip id (payload tripId)")
    .option("--traveler <id>", "a traveler id (the id of a TRAVELER_V2 event)")
    .option("--delivery-id <id>", "a delivery id (x-spotnana-webhook-id, or the event digest)")
    .option("--limit <n>", "the newest this many entries", "1000")
    .option("--json", "an array of entries, for scripts")
    .action(async (options: Record<string, unknown>) => {
      const query = parsed(TimelineQuery, {
        pnr: options.pnr,
        trip: options.trip,
        traveler: options.traveler,
        deliveryId: options.deliveryId,
        limit: count(options.limit),
      });
      const entries = await withOperator(config(), (operator) => operator.journal.timeline(query));
      if (options.json === true) {
        io.out(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      if (entries.length === 0) {
        io.out("The journal holds nothing for it (within its age bound).\n");
        return;
      }
      io.out(journalTable(entries));
      io.out(`${entries.length} entr${entries.length === 1 ? "y" : "ies"}, oldest first.\n`);
    });

  program
    .command("events")
    .description(
      "Search the journal across every queue, newest first, a page at a time: by operation, outcome, subscription and time",
    )
    .option("--operation <operation>", "e.g. FLIGHT_CANCELLED")
    .option("--outcome <outcome>", journalOutcomes.join(", "))
    .option("--subscription <name>", "the subscription it arrived on")
    .option("--since <time>", "at or after this ISO-8601 time")
    .option("--until <time>", "at or before this ISO-8601 time")
    .option("--limit <n>", "entries per page", "50")
    .option("--cursor <cursor>", "the next page: the cursor the previous page printed")
    .option("--json", "one JSON document ({count, entries, cursor}), for scripts")
    .action(async (options: Record<string, unknown>) => {
      const query = parsed(JournalSearch, {
        operation: options.operation,
        outcome: options.outcome,
        subscription: options.subscription,
        since: options.since,
        until: options.until,
        limit: count(options.limit),
        cursor: options.cursor,
      });
      const page = await withOperator(config(), (operator) => operator.journal.search(query));
      if (options.json === true) {
        const document = {
          count: page.entries.length,
          entries: page.entries,
          cursor: page.cursor ?? null,
        };
        io.out(`${JSON.stringify(document, null, 2)}\n`);
        return;
      }
      if (page.entries.length > 0) io.out(journalTable(page.entries));
      io.out(
        `${page.entries.length} entr${page.entries.length === 1 ? "y" : "ies"}, newest first.\n`,
      );
      if (page.cursor !== undefined)
        io.out(`More may match: run the same search with --cursor ${page.cursor}\n`);
    });
}
