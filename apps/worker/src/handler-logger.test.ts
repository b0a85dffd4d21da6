import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { handlerLogger } from "./handler-logger.ts";

function parentAt(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const parent = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { parent, lines, child: vi.spyOn(parent, "child") };
}

describe("handlerLogger", () => {
  it("writes a handler's line with the job's bindings", () => {
    const { parent, lines } = parentAt("info");
    handlerLogger(parent, { jobId: "wh-1", attempt: 2 }).info({ step: "applied" }, "handled");
    expect(lines).toEqual([
      expect.objectContaining({ msg: "handled", step: "applied", jobId: "wh-1", attempt: 2 }),
    ]);
  });

  it("makes no child logger for a run that writes nothing at an enabled level", () => {
    const { parent, lines, child } = parentAt("info");
    handlerLogger(parent, { jobId: "wh-1" }).debug({ step: "applied" }, "handled");
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it("makes one child logger for all of a run's lines, at every level", () => {
    const { parent, lines, child } = parentAt("debug");
    const logger = handlerLogger(parent, { jobId: "wh-1" });
    logger.debug({}, "d");
    logger.info({}, "i");
    logger.warn({}, "w");
    logger.error({}, "e");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.level, l.msg, l.jobId])).toEqual([
      [20, "d", "wh-1"],
      [30, "i", "wh-1"],
      [40, "w", "wh-1"],
      [50, "e", "wh-1"],
    ]);
  });
});
