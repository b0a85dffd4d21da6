import { KeptFilter } from "@skyhook/queue-kit";
import type { Command } from "commander";
import { CliExit } from "../io.ts";

/** The filters every command over kept events shares. */
export function withFilterOptions(command: Command): Command {
  return command
    .option(
      "--location <where...>",
      "dead-letter, stale, catch-all, filtered, rejected (several allowed; default the first three)",
    )
    .option("--queue <name>", "an operation queue, e.g. pnr-v3.flight-cancelled")
    .option("--event-type <type>", "e.g. PNR_V3")
    .option("--operation <operation>", "e.g. FLIGHT_CANCELLED")
    .option("--subscription <name>", "the subscription it arrived on")
    .option("--organization <id>", "payload organization id")
    .option("--pnr <id>", "payload PNR id")
    .option("--since <time>", "kept at or after this ISO-8601 time")
    .option("--until <time>", "kept at or before this ISO-8601 time")
    .option("--error <text>", "text in the failure reason (case-insensitive)")
    .option("--job <id>", "one event, by its kept or original job id")
    .option("--limit <n>", "at most this many");
}

type Raw = Record<string, unknown>;

export function filterOf(options: Raw): KeptFilter {
  const parsed = KeptFilter.safeParse({
    location: options.location,
    queue: options.queue,
    eventType: options.eventType,
    operation: options.operation,
    subscription: options.subscription,
    organizationId: options.organization,
    pnrId: options.pnr,
    since: options.since,
    until: options.until,
    errorText: options.error,
    jobId: options.job,
    limit: options.limit === undefined ? undefined : Number(options.limit),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`);
    throw new CliExit(2, `invalid filter: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** The filter as given, without the unset fields, for messages and the audit trail. */
export const describeFilter = (filter: KeptFilter) =>
  Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : String(v)}`)
    .join(" ") || "(everything)";
