/**
 * Nearest-rank percentile of values sorted ascending. NaN when there are none: no value is not
 * a latency of 0 ms, and NaN fails every comparison with a target (`NaN <= 10` is false). JSON
 * writes it as null; `formatMs` writes it as n/a.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export type Latency = { p50: number; p95: number; p99: number; max: number };

/** p50, p95, p99 and the largest of values sorted ascending (NaN each when there are none). */
export const latencyOf = (sorted: readonly number[]): Latency => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
  max: percentile(sorted, 100),
});

/** Milliseconds for a report: `12 ms`, or `n/a` for no value. */
export const formatMs = (ms: number): string => (Number.isFinite(ms) ? `${ms} ms` : "n/a");
