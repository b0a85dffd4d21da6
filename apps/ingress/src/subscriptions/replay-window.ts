import type { Subscription } from "./subscription.ts";

/**
 * Refuses a DEDUP_TTL_SEC shorter than the longest time over which one signed delivery is
 * accepted: a sender's clock may be `futureSec` ahead at the first delivery and a replay
 * arrive `pastSec` after the timestamp, so deduplication must remember the delivery id at
 * least that long. A subscription without a timestamp check has no such window.
 */
export function replayWindowProblems(subscriptions: readonly Subscription[], dedupTtlSec: number) {
  const windows = subscriptions.flatMap((s) =>
    s.hmac === undefined || s.hmac.tolerance === false
      ? []
      : [{ name: s.name, sec: s.hmac.tolerance.pastSec + s.hmac.tolerance.futureSec }],
  );
  const longest = windows.reduce<(typeof windows)[number] | undefined>(
    (max, w) => (max === undefined || w.sec > max.sec ? w : max),
    undefined,
  );
  if (longest === undefined || dedupTtlSec >= longest.sec) return [];
  return [
    `DEDUP_TTL_SEC: must be at least ${longest.sec} s, the HMAC timestamp window of subscription "${longest.name}" (past + future tolerance); a replay inside the window after its id was forgotten would be accepted twice`,
  ];
}
