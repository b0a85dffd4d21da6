import { normalizeEventType, normalizeOperation } from "@skyhook/contracts";
import {
  clearDrift,
  type DriftPair,
  type DriftReport,
  type DriftRow,
  readContractDrift,
} from "@skyhook/queue-kit";
import type { Command } from "commander";
import type { CliConfig } from "../config.ts";
import { CliExit, type CliIo } from "../io.ts";
import { withOperator } from "../session.ts";
import { table } from "../table.ts";

/** The "field or value" column: a payload path as it is, an unknown value said as such. */
function subjectOf(row: DriftRow): string {
  const note = row.note === undefined ? "" : `; ${row.note}`;
  if (row.kind === "operation") return `operation ${row.subject} (not in the contracts${note})`;
  if (row.kind === "event-type") return `event type ${row.subject} (not in the contracts)`;
  return row.subject;
}

/** Under the table: what the sampled counts were read against, and what a bound left out. */
function sampledLines(report: DriftReport): string[] {
  return report.pairs.map((p) => {
    const limits = [
      p.dropped > 0 ? `${p.dropped} sighting(s) of new fields not recorded (bound reached)` : "",
      p.truncated > 0 ? `${p.truncated} payload(s) too large to walk whole` : "",
    ].filter((text) => text !== "");
    const rest = limits.length === 0 ? "" : `; ${limits.join("; ")}`;
    return `${p.eventType}/${p.operation}: ${p.sampled} event(s) sampled, ${p.paths} undeclared field(s)${rest}`;
  });
}

/** `EVENT_TYPE/OPERATION`, spelt as the ingress normalises it. */
function pairOf(named: string): DriftPair {
  const match = /^\s*([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\s*$/.exec(named);
  if (match?.[1] === undefined || match[2] === undefined)
    throw new CliExit(
      2,
      `--clear takes EVENT_TYPE/OPERATION (e.g. PNR_V3/BOOKING_CREATED), not ${named}`,
    );
  return { eventType: normalizeEventType(match[1]), operation: normalizeOperation(match[2]) };
}

export function driftCommand(program: Command, config: () => CliConfig, io: CliIo): void {
  program
    .command("drift")
    .description(
      "What live traffic carries that the contracts do not know: per event type and operation, payload fields (and enum values) the schema does not declare, from the workers' samples (DRIFT_SAMPLE_RATE), and operations or event types the contracts do not list (the catch-all's)",
    )
    .option("--json", "one JSON document, for scripts")
    .option(
      "--clear <EVENT_TYPE/OPERATION>",
      "forget the fields recorded for one pair (once its schema declares them), so what is still undeclared is counted afresh",
    )
    .action(async (options: { json?: boolean; clear?: string }) => {
      if (options.clear !== undefined) {
        const pair = pairOf(options.clear);
        const cleared = await withOperator(config(), (operator, redis) =>
          clearDrift(redis, operator.keys, pair),
        );
        const name = `${pair.eventType}/${pair.operation}`;
        io.out(
          cleared
            ? `Forgot the contract drift recorded for ${name}.\n`
            : `Nothing was recorded for ${name}.\n`,
        );
        return;
      }
      const report = await withOperator(config(), (operator, redis) =>
        readContractDrift(redis, operator.keys),
      );
      if (options.json === true) {
        io.out(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      if (report.rows.length === 0) {
        io.out("No contract drift seen: every sampled payload matched its schema.\n");
      } else {
        io.out(
          table(
            [
              "event type",
              "operation",
              "field or value",
              "count",
              "first seen",
              "last seen",
              "example delivery id",
            ],
            report.rows.map((r) => [
              r.eventType,
              r.operation,
              subjectOf(r),
              r.count,
              r.firstSeen ?? "-",
              r.lastSeen ?? "-",
              r.exampleDeliveryId ?? "-",
            ]),
          ),
        );
      }
      for (const line of sampledLines(report)) io.out(`${line}\n`);
    });
}
