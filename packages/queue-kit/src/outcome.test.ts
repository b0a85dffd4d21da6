import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { type JobOutcome, logJobOutcomes } from "./outcome.ts";

const completed: JobOutcome = {
  kind: "job",
  outcome: "completed",
  queue: "{pnr-v3.booking-created}",
  jobId: "wh-1",
  attempt: 1,
  durationSec: 0.002,
};

function loggerAt(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe("logJobOutcomes", () => {
  it("writes one line per job outcome at its level, with its fields", () => {
    const { logger, lines } = loggerAt("debug");
    logJobOutcomes(logger)(completed);
    logJobOutcomes(logger)({ ...completed, outcome: "retried", reason: "Error: down" });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 20,
        msg: "job completed",
        outcome: "completed",
        jobId: "wh-1",
      }),
      expect.objectContaining({
        level: 40,
        msg: "handler failed; will retry",
        reason: "Error: down",
      }),
    ]);
    expect(lines[0]).not.toHaveProperty("kind");
  });

  it("does not build a completion's line while debug is off", () => {
    const { logger, lines } = loggerAt("info");
    const debug = vi.spyOn(logger, "debug");
    logJobOutcomes(logger)(completed);
    expect(debug).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
