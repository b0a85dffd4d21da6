import {
  inspectKept,
  type KeptSummary,
  purgeKept,
  type ReplayReport,
  replayKept,
} from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo, progressLine } from "../io.ts";
import { withOperator } from "../session.ts";
import { table } from "../table.ts";
import { describeFilter, filterOf, withFilterOptions } from "./filter-options.ts";

const label = (queue: string) => queue.replace(/[{}]/g, "");

function keptTable(found: readonly KeptSummary[]): string {
  return table(
    ["kept at", "where", "queue", "job", "operation", "subscription", "pnr", "why"],
    found.map((k) => [
      k.keptAt,
      k.location,
      label(k.heldIn),
      k.jobId,
      `${k.eventType}/${k.operation}`,
      k.subscription,
      k.pnrId ?? "-",
      k.why.length > 120 ? `${k.why.slice(0, 117)}...` : k.why,
    ]),
  );
}

export function keptCommands(program: Command, config: () => CliConfig, io: CliIo): void {
  inspectCommand(program, config, io);
  replayCommand(program, config, io);
  purgeCommand(program, config, io);
}

function inspectCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  withFilterOptions(
    program
      .command("inspect")
      .description(
        "List kept events: dead-lettered, skipped-stale and catch-all ones; --location filtered (dropped by a subscription filter) or rejected by name",
      )
      .option("--json", "one JSON document, for scripts"),
  ).action(async (options: Record<string, unknown>) => {
    const filter = filterOf(options);
    const found = await withOperator(config(), (operator) => inspectKept(operator, filter));
    if (options.json === true) {
      io.out(`${JSON.stringify({ filter, count: found.length, events: found }, null, 2)}\n`);
      return;
    }
    if (found.length === 0) {
      io.out(`No kept events match ${describeFilter(filter)}.\n`);
      return;
    }
    io.out(keptTable(found));
    io.out(`${found.length} event(s) match ${describeFilter(filter)}.\n`);
  });
}

function replayCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  withFilterOptions(
    program
      .command("replay")
      .description(
        "Send kept events back to the queue their (event type, operation) routes to now; they keep their delivery id and timestamps and meet the ordering guard and deduplication",
      )
      .option("--dry-run", "report what would move where, and what cannot move yet; move nothing")
      .option("--rate <per-second>", "at most this many events a second", "100")
      .option("--json", "one JSON document, for scripts"),
  ).action(async (options: Record<string, unknown>) => {
    const filter = filterOf(options);
    const ratePerSec = Number(options.rate);
    if (!Number.isFinite(ratePerSec) || ratePerSec <= 0)
      throw new CliExit(2, "--rate must be a positive number");
    const dryRun = options.dryRun === true;
    const progress = progressLine(io, "replayed");
    const report = await withOperator(config(), (operator) =>
      replayKept(operator, filter, {
        dryRun,
        ratePerSec,
        actor: config().actor,
        onProgress: (done, total) => progress.update(done, total),
      }),
    );
    if (options.json === true) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else printReplayReport(io, report, describeFilter(filter), dryRun);
    if (report.invalidPayload.length + report.noHandler.length > 0 && !dryRun)
      throw new CliExit(1, "some events could not be replayed (see above)");
  });
}

function printReplayReport(io: CliIo, report: ReplayReport, filter: string, dryRun: boolean): void {
  const verb = dryRun ? "would move" : "moved";
  io.out(`${report.matched} kept event(s) match ${filter}.\n`);
  for (const [queue, count] of Object.entries(report.moved))
    io.out(`  ${verb} ${count} to ${label(queue)}\n`);
  if (report.vanished > 0)
    io.out(`  ${report.vanished} were already gone (replayed or purged meanwhile)\n`);
  if (report.noHandler.length > 0) {
    io.out(`  ${report.noHandler.length} still have no handler (they stay where they are):\n`);
    io.out(keptTable(report.noHandler));
  }
  if (report.invalidPayload.length > 0) {
    io.out(`  ${report.invalidPayload.length} still fail their payload schema:\n`);
    for (const k of report.invalidPayload) io.out(`    ${k.jobId}: ${k.fields}\n`);
  }
  if (report.notAnEvent.length > 0)
    io.out(`  ${report.notAnEvent.length} dead letters hold no Skyhook event (purge them)\n`);
}

function purgeCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  withFilterOptions(
    program
      .command("purge")
      .description("Delete kept events for good (asks for confirmation; --yes in scripts)")
      .option("--yes", "confirm without asking")
      .option("--json", "one JSON document, for scripts"),
  ).action(async (options: Record<string, unknown>) => {
    const filter = filterOf(options);
    const cfg = config();
    await withOperator(cfg, async (operator) => {
      const found = await inspectKept(operator, filter);
      if (found.length === 0) {
        io.out(`No kept events match ${describeFilter(filter)}; nothing to purge.\n`);
        return;
      }
      if (options.yes !== true) {
        if (io.ask === undefined)
          throw new CliExit(
            2,
            `purge would delete ${found.length} event(s); refusing without --yes (no terminal to ask on)`,
          );
        const answer = await io.ask(
          `Delete ${found.length} kept event(s) matching ${describeFilter(filter)} for good? Type "purge ${found.length}" to confirm: `,
        );
        if (answer.trim() !== `purge ${found.length}`)
          throw new CliExit(1, "not confirmed; nothing deleted");
      }
      const progress = progressLine(io, "purged");
      const report = await purgeKept(operator, filter, {
        actor: cfg.actor,
        onProgress: (done, total) => progress.update(done, total),
      });
      io.out(
        options.json === true
          ? `${JSON.stringify(report, null, 2)}\n`
          : `Purged ${report.purged} of ${report.matched} matching event(s).\n`,
      );
    });
  });
}
