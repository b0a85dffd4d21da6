import { queueLabel, queueNamesFor } from "@skyhook/contracts";
import {
  isHeld,
  type OperationHold,
  type OpsContext,
  operationHold,
  operationHolds,
  pauseOperation,
  resumeOperation,
} from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { withOps } from "../session.ts";
import { table } from "../table.ts";

/**
 * The queue an operator names: `EVENT_TYPE/OPERATION`, a queue label (`pnr-v3.flight-cancelled`),
 * or an operation alone when one event type has it. Only queues Skyhook knows are accepted.
 */
/** The operation's part of a queue label (`flight-cancelled`), as contracts slugs it. */
const operationPart = (operation: string) =>
  queueLabel(queueNamesFor("_", operation).queue).split(".")[1];

async function queueOf(ops: OpsContext, named: string): Promise<string> {
  const known = (await ops.queueNames()).map((n) => n.queue).filter((q) => q !== "{unrouted}");
  const slash = named.indexOf("/");
  const candidates =
    slash > 0
      ? [queueNamesFor(named.slice(0, slash), named.slice(slash + 1)).queue]
      : named.includes(".")
        ? [`{${queueLabel(named)}}`]
        : known.filter((q) => queueLabel(q).split(".")[1] === operationPart(named));
  const found = candidates.filter((q) => known.includes(q));
  if (found.length === 1 && found[0] !== undefined) return found[0];
  const list = known.map(queueLabel).join(", ");
  throw new CliExit(
    2,
    found.length > 1
      ? `${named} names several operations (${found.map(queueLabel).join(", ")}); write EVENT_TYPE/OPERATION`
      : `no operation queue ${named}; the operations are: ${list}`,
  );
}

const at = (ms: number) => new Date(ms).toISOString();

/** One line an on-call engineer reads: is it taking jobs, and if not, why and until when. */
export function stateOf(hold: OperationHold, nowMs: number): string {
  if (hold.paused !== undefined)
    return `paused by ${hold.paused.actor} at ${hold.paused.at}: ${hold.paused.reason}`;
  if (hold.breaker.state === "open" && hold.breaker.untilMs > nowMs)
    return `held: downstream unavailable since ${at(hold.breaker.openedAtMs)}, next probe at ${at(hold.breaker.untilMs)}`;
  if (hold.breaker.state === "open")
    return `probing: downstream unavailable since ${at(hold.breaker.openedAtMs)}`;
  return hold.breaker.failures > 0
    ? `running (${hold.breaker.failures} failure(s) in a row)`
    : "running";
}

export function holdCommands(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("status")
    .description(
      "Show each operation: running, paused by hand, or held while its downstream is unavailable (the circuit breaker), and what waits for it",
    )
    .option("--json", "one JSON document, for scripts")
    .action(async (options: { json?: boolean }) => {
      const holds = await withOps(config(), (ops) => operationHolds(ops));
      const now = Date.now();
      if (options.json === true) {
        io.out(
          `${JSON.stringify(
            holds.map((h) => ({ ...h, held: isHeld(h, now), state: stateOf(h, now) })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      io.out(
        table(
          ["operation", "state", "waiting", "delayed", "active"],
          holds.map((h) => [queueLabel(h.queue), stateOf(h, now), h.waiting, h.delayed, h.active]),
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
      const hold = await withOps(config(), async (ops) => {
        const queue = await queueOf(ops, named);
        await pauseOperation(ops, queue, { reason: options.reason, actor: config().actor });
        return operationHold(ops, queue);
      });
      io.out(`${queueLabel(hold.queue)}: ${stateOf(hold, Date.now())}; ${hold.waiting} waiting\n`);
    });

  program
    .command("resume")
    .description("Let workers take a paused operation's events again. Audited")
    .argument("<OPERATION>", "FLIGHT_CANCELLED, PNR_V3/FLIGHT_CANCELLED or pnr-v3.flight-cancelled")
    .action(async (named: string) => {
      const { queue, wasPaused } = await withOps(config(), async (ops) => {
        const found = await queueOf(ops, named);
        return {
          queue: found,
          wasPaused: await resumeOperation(ops, found, { actor: config().actor }),
        };
      });
      io.out(
        wasPaused ? `${queueLabel(queue)}: resumed\n` : `${queueLabel(queue)}: was not paused\n`,
      );
    });
}
