import { measureOpenModel, type OpenRun, settle } from "./open-model.ts";
import type { RssMaxima } from "./rss.ts";
import type { Rig } from "./targets.ts";

export type RateSearch = {
  probes: OpenRun[];
  confirmations: OpenRun[];
  /** The highest rate that held for the whole `sustainSeconds`; 0 when none did. */
  sustainedPerSec: number;
  sustainSeconds: number;
};

/**
 * Climbs the ladder with short probes until one falls behind, tries the midpoint between the
 * last rate that held and the first that did not, then holds the best candidate for the full
 * length; if it falls behind there, the next lower candidate gets the same trial (two at most,
 * to keep a full run within ten minutes).
 */
export async function searchMaxRate(
  rig: Rig,
  options: { ladder: readonly number[]; probeSeconds: number; sustainSeconds: number },
  rss: RssMaxima,
  log: (line: string) => void,
): Promise<RateSearch> {
  let runs = 0;
  const run = async (ratePerSec: number, seconds: number, record?: RssMaxima) => {
    await settle(rig, 120_000);
    const result = await measureOpenModel(
      rig,
      { ratePerSec, seconds, tag: `mx${(runs++).toString(36)}`, settleMs: 30_000 },
      record,
    );
    log(
      `  ${ratePerSec}/s for ${seconds} s: ${result.sustained ? "held" : "fell behind"} ` +
        `(backlog max ${result.backlog.maxSecondHalf}, bound ${result.backlog.bound}; ` +
        `failed ${result.failed}; e2e p99 ${Math.round(result.e2eMs.p99)} ms)`,
    );
    return result;
  };

  const probes: OpenRun[] = [];
  const held: number[] = [];
  let firstFailed: number | undefined;
  for (const rate of options.ladder) {
    const probe = await run(rate, options.probeSeconds);
    probes.push(probe);
    if (!probe.sustained) {
      firstFailed = rate;
      break;
    }
    held.push(rate);
  }
  const best = held.at(-1);
  if (best !== undefined && firstFailed !== undefined && firstFailed - best > best * 0.1) {
    const middle = Math.round((best + firstFailed) / 2 / 50) * 50;
    const probe = await run(middle, options.probeSeconds);
    probes.push(probe);
    if (probe.sustained) held.push(middle);
  }

  const confirmations: OpenRun[] = [];
  const candidates = [...held].sort((a, b) => b - a).slice(0, 2);
  for (const rate of candidates) {
    const trial = await run(rate, options.sustainSeconds, rss);
    confirmations.push(trial);
    if (trial.sustained)
      return {
        probes,
        confirmations,
        sustainedPerSec: rate,
        sustainSeconds: options.sustainSeconds,
      };
  }
  return { probes, confirmations, sustainedPerSec: 0, sustainSeconds: options.sustainSeconds };
}
