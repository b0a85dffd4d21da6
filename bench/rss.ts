import { readFileSync } from "node:fs";

/** A process's resident set size in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** The largest RSS seen per label, over every phase a label was sampled in. */
export type RssMaxima = Map<string, number>;

/**
 * Samples the given processes every `intervalMs` until the returned stop function is called,
 * keeping each label's maximum in `maxima` (sampling is one small file read per process).
 */
export function sampleRss(
  maxima: RssMaxima,
  processes: Record<string, number>,
  intervalMs = 200,
): () => void {
  const sample = () => {
    for (const [label, pid] of Object.entries(processes)) {
      const bytes = rssBytes(pid);
      if (bytes !== undefined) maxima.set(label, Math.max(maxima.get(label) ?? 0, bytes));
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
  };
}
