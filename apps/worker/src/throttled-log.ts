/**
 * While Redis refuses writes, BullMQ reports the same error about ten times a second per
 * queue. The first of a burst is logged at once; after that at most one line per `intervalMs`,
 * carrying how many were left out since the last line.
 */
export function throttledLog<T>(
  log: (item: T, suppressed: number) => void,
  intervalMs: number,
  now: () => number = Date.now,
): (item: T) => void {
  let lastLoggedMs = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (item) => {
    const at = now();
    if (at - lastLoggedMs < intervalMs) {
      suppressed += 1;
      return;
    }
    log(item, suppressed);
    lastLoggedMs = at;
    suppressed = 0;
  };
}
