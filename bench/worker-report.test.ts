import { describe, expect, it } from "vitest";
import type { DrainRun } from "./drain.ts";
import { parseOptions } from "./options.ts";
import type { BenchResults } from "./report.ts";
import { formatWorkerReport } from "./worker-report.ts";

/** `pnpm bench --worker-only`: the option, and the report of the drains alone. */
const drain = (worker: "skyhook" | "raw", jobsPerSec: number, cpu: number): DrainRun => ({
  worker,
  jobs: 10_000,
  seconds: 10_000 / jobsPerSec,
  jobsPerSec,
  cpu: { worker: cpu, redis: cpu / 2 },
});

describe("pnpm bench --worker-only", () => {
  it("is off unless asked for, and keeps the other defaults", () => {
    expect(parseOptions([]).workerOnly).toBe(false);
    const options = parseOptions(["--worker-only", "--drain-jobs", "20000"]);
    expect(options).toMatchObject({ workerOnly: true, rounds: 3, drainJobs: 20_000 });
  });

  it("reports each round's rates, ratio and CPU per job, then the median of the rounds' ratios", () => {
    const results = {
      options: parseOptions(["--worker-only", "--drain-jobs", "10000"]),
      drain: {
        skyhook: [
          drain("skyhook", 2_000, 300),
          drain("skyhook", 3_000, 250),
          drain("skyhook", 2_500, 280),
        ],
        raw: [drain("raw", 5_000, 150), drain("raw", 5_000, 140), drain("raw", 4_000, 160)],
      },
    } as Pick<BenchResults, "options" | "drain"> as BenchResults;
    const report = formatWorkerReport(results);
    expect(report).toContain(
      "## Worker drain only: 10,000 BOOKING_CREATED jobs per round, concurrency 10",
    );
    expect(report).toContain("| 1 | 2,000 | 5,000 | 0.40 | 300 + 150 µs | 150 + 75 µs |");
    expect(report).toContain("| 2 | 3,000 | 5,000 | 0.60 | 250 + 125 µs | 140 + 70 µs |");
    expect(report).toContain("| 3 | 2,500 | 4,000 | 0.63 | 280 + 140 µs | 160 + 80 µs |");
    expect(report).toContain("| median | 2,500 | 5,000 | 0.60 | 280 + 140 µs | 150 + 75 µs |");
    expect(report).toContain("median of the rounds' ratios: 0.60");
  });
});
