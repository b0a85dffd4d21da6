import { queueLabel } from "@skyhook/contracts";
import {
  describeHold,
  holdReport,
  type OperatorContext,
  operationHold,
  operationHolds,
  operationQueueOf,
  pauseOperation,
  resumeOperation,
} from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { withOperator } from "../session.ts";
import { table } from "../table.ts";

/** The queue an operator names, or the CLI's usage error saying which names there are. */
async function queueOf(operator: OperatorContext, named: string): Promise<string> {
  const found = await operationQueueOf(operator, named);
  if (!found.ok) throw new CliExit(2, found.message);
  return found.queue;
}

export function holdCommands(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("status")
    .description(
      "Show each operation: running, paused by hand, or held while its downstream is unavailable (the circuit breaker), and what waits for it",
    )
    .option("--json", "one JSON document, for scripts")
    .action(async (options: { json?: boolean }) => {
      const holds = await withOperator(config(), (operator) => operationHolds(operator));
      const now = Date.now();
      if (options.json === true) {
        io.out(
          `${JSON.stringify(
            holds.map((h) => holdReport(h, now)),
            null,
            2,
          )}\n`,
        );
        return;
      }
      io.out(
        table(
          ["operation", "state", "waiting", "delayed", "active"],
          holds.map((h) => [
            queueLabel(h.queue),
            describeHold(h, now),
            h.waiting,
            h.delayed,
            h.active,
          ]),
        ),
      );
    });

  program
    .command("pause")
    .description(
      "Stop every worker from taking an operation's events (vendor maintenance): they are kept, counted as held, and taken again on resume, also across worker restarts. Audited",
    )
    .argument("<OPERATION>", "FLIGHT_CANCELLED, PNR_V3/FLIGHT_CANCELLED or pnr-v3.flight-cancelled")
    .requiredOption("--reason <text>", "why, for the status, the dashboard and the audit trail")
    .action(async (named: string, options: { reason: string }) => {
      const hold = await withOperator(config(), async (operator) => {
        const queue = await queueOf(operator, named);
        await pauseOperation(operator, queue, { reason: options.reason, actor: config().actor });
        return operationHold(operator, queue);
      });
      io.out(
        `${queueLabel(hold.queue)}: ${describeHold(hold, Date.now())}; ${hold.waiting} waiting\n`,
      );
    });

  program
    .command("resume")
    .description("Let workers take a paused operation's events again. Audited")
    .argument("<OPERATION>", "FLIGHT_CANCELLED, PNR_V3/FLIGHT_CANCELLED or pnr-v3.flight-cancelled")
    .action(async (named: string) => {
      const { queue, wasPaused } = await withOperator(config(), async (operator) => {
        const found = await queueOf(operator, named);
        return {
          queue: found,
          wasPaused: await resumeOperation(operator, found, { actor: config().actor }),
        };
      });
      io.out(
        wasPaused ? `${queueLabel(queue)}: resumed\n` : `${queueLabel(queue)}: was not paused\n`,
      );
    });
}
