/** Spotnana's retry schedule: a failed delivery is retried at once 5 times, then with backoff. */
export const immediateRetries = 5;
const firstBackoffMs = 60_000;
/** Spotnana gives up on a delivery two weeks after its first attempt. */
export const scheduleSpanMs = 14 * 24 * 3_600_000;

/**
 * The delays before each retry: 5 × 0, then 1 min doubling, the last one shortened so that the
 * delays add up to exactly 14 days, each divided by `timeScale` (100,000: 14 days in about 12 s).
 */
export function retryDelaysMs(timeScale = 1): number[] {
  const delays: number[] = Array.from({ length: immediateRetries }, () => 0);
  let total = 0;
  for (let next = firstBackoffMs; total < scheduleSpanMs; next *= 2) {
    const delay = Math.min(next, scheduleSpanMs - total);
    delays.push(delay);
    total += delay;
  }
  return delays.map((delay) => delay / timeScale);
}
