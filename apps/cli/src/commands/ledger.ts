import { type LedgerReport, readAudit, readLedger } from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { withOperator } from "../session.ts";
import { table } from "../table.ts";

const label = (queue: string) => queue.replace(/[{}]/g, "");

/** What each unbalanced queue is short of (or over), in words an on-call engineer can act on. */
export function differences(report: LedgerReport): string[] {
  return report.queues
    .filter((q) => q.difference !== 0)
    .map((q) => {
      const accounted = q.expected - q.difference;
      return q.difference > 0
        ? `${label(q.queue)}: ${q.difference} accepted event(s) not accounted for (expected ${q.expected}, found ${accounted})`
        : `${label(q.queue)}: ${-q.difference} more event(s) accounted for than accepted (expected ${q.expected}, found ${accounted})`;
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function ledgerCommands(program: Command, config: () => CliConfig, io: CliIo): void {
  ledgerCommand(program, config, io);
  auditCommand(program, config, io);
}

function ledgerCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("ledger")
    .description(
      "Prove every accepted event ended somewhere: per queue, accepted + moved in - moved out - purged - trimmed = completed + dead-lettered + stale + in flight. Exits 1 when it does not balance",
    )
    .option(
      "--settle <seconds>",
      "under live traffic counts move while they are read: re-read for up to this long before reporting a difference",
      "10",
    )
    .option("--json", "one JSON document, for scripts")
    .action(async (options: { settle: string; json?: boolean }) => {
      const settleMs = Number(options.settle) * 1000;
      if (!Number.isFinite(settleMs) || settleMs < 0)
        throw new CliExit(2, "--settle must be a number of seconds");
      const report = await withOperator(config(), async (operator, redis) => {
        const deadline = Date.now() + settleMs;
        for (;;) {
          const read = await readLedger(
            redis,
            operator.keys,
            operator.queues,
            await operator.queueNames(),
          );
          if (read.balanced || Date.now() >= deadline) return read;
          await sleep(500);
        }
      });
      if (options.json === true)
        io.out(`${JSON.stringify({ ...report, differences: differences(report) }, null, 2)}\n`);
      else printLedger(io, report);
      if (!report.balanced)
        throw new CliExit(1, `the ledger does not balance:\n  ${differences(report).join("\n  ")}`);
    });
}

/** The per-queue balance, then the counts it is made of per subscription and operation. */
function printLedger(io: CliIo, report: LedgerReport): void {
  io.out(
    table(
      [
        "queue",
        "expected",
        "completed",
        "dead-lettered",
        "stale",
        "in flight",
        "of them held",
        "difference",
      ],
      report.queues.map((q) => [
        label(q.queue),
        q.expected,
        q.completed,
        q.deadLettered,
        q.stale,
        q.inFlight.waiting + q.inFlight.delayed + q.inFlight.active + q.inFlight.prioritized,
        q.held,
        q.difference,
      ]),
    ),
  );
  io.out("\n");
  io.out(
    table(
      [
        "subscription",
        "operation",
        "accepted",
        "duplicate",
        "filtered",
        "completed",
        "moved in",
        "moved out",
        "purged",
        "trimmed",
      ],
      report.rows.map((r) => [
        r.subscription,
        `${r.eventType}/${r.operation}`,
        r.accepted,
        r.duplicate,
        r.filtered,
        r.completed,
        r.moved_in,
        r.moved_out,
        r.purged,
        r.trimmed,
      ]),
    ),
  );
  io.out(report.balanced ? "\nThe ledger balances.\n" : "\n");
}

function auditCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("audit")
    .description("Show the latest operator actions (replays, purges, adoptions)")
    .option("--limit <n>", "how many", "20")
    .option("--json", "one JSON document, for scripts")
    .action(async (options: { limit: string; json?: boolean }) => {
      const entries = await withOperator(config(), (operator, redis) =>
        readAudit(redis, operator.keys, Number(options.limit)),
      );
      if (options.json === true) {
        io.out(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      io.out(
        table(
          ["at", "actor", "action", "dry run", "matched", "changed", "filter"],
          entries.map((e) => [
            e.at,
            e.actor,
            e.action,
            e.dryRun ? "yes" : "no",
            e.matched,
            e.changed,
            JSON.stringify(e.filter),
          ]),
        ),
      );
    });
}
