import { parseArgs } from "node:util";
import { z } from "zod";

export type BenchOptions = {
  smoke: boolean;
  /** Only the worker drains (warm-up and rounds): no wrk, no end-to-end runs, no rate search. */
  workerOnly: boolean;
  rounds: number;
  /** Length of each ingress mode's wrk run, and of each end-to-end run at 1,000/s, per round. */
  seconds: number;
  /** Jobs each worker drains per round. */
  drainJobs: number;
  /** Worker concurrency, the same for Skyhook's worker and the raw one (Skyhook's default). */
  concurrency: number;
  /** Before round 1: seconds of wrk per ingress mode, and jobs per worker (0: none). */
  warmUpSeconds: number;
  warmUpJobs: number;
  /** The rate search: each step's length, then the length the best rate must hold. */
  probeSeconds: number;
  sustainSeconds: number;
  /** The steps of the rate search, in events per second. */
  ladder: number[];
};

const positive = z.coerce.number().positive();
const count = z.coerce.number().int().positive();

const Args = z.object({
  smoke: z.boolean().default(false),
  "worker-only": z.boolean().default(false),
  rounds: count.optional(),
  seconds: positive.optional(),
  "drain-jobs": count.optional(),
  concurrency: count.optional(),
  "probe-seconds": positive.optional(),
  "sustain-seconds": positive.optional(),
});

export const usage = `pnpm bench [--rounds 3] [--seconds 8] [--drain-jobs 5000] [--concurrency 10]
           [--probe-seconds 10] [--sustain-seconds 60] [--smoke] [--worker-only]`;

/** The defaults keep a full run within about ten minutes on the shared two-core machine. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: "boolean" },
      "worker-only": { type: "boolean" },
      rounds: { type: "string" },
      seconds: { type: "string" },
      "drain-jobs": { type: "string" },
      concurrency: { type: "string" },
      "probe-seconds": { type: "string" },
      "sustain-seconds": { type: "string" },
    },
    strict: true,
  });
  const a = Args.parse(values);
  const smoke = a.smoke;
  return {
    smoke,
    workerOnly: a["worker-only"],
    rounds: a.rounds ?? (smoke ? 1 : 3),
    seconds: a.seconds ?? (smoke ? 1 : 8),
    drainJobs: a["drain-jobs"] ?? (smoke ? 200 : 5_000),
    concurrency: a.concurrency ?? 10,
    warmUpSeconds: smoke ? 0 : 2,
    warmUpJobs: smoke ? 0 : 1_000,
    probeSeconds: a["probe-seconds"] ?? (smoke ? 1 : 10),
    sustainSeconds: a["sustain-seconds"] ?? (smoke ? 1 : 60),
    ladder: smoke
      ? [250, 500]
      : [250, 500, 750, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 7_000, 10_000],
  };
}
