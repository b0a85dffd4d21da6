import type { BreakerState, DownstreamBreaker } from "@skyhook/queue-kit";

/** How long a job that may not probe waits before it is offered again. */
const notTheProbeHoldMs = 1_000;

/**
 * What one queue's processor needs of its downstream's breaker, with as little Redis as a
 * healthy downstream allows: the breaker's state is read every `refreshMs` in the background
 * (and changed at once by this process's own transitions), so a closed breaker costs a job
 * nothing. While it is open, a job may run only as the one probe (`claimProbe`); the others go
 * back to the queue.
 */
export type DownstreamGate = {
  /** Whether this run may call the downstream: "run", or how long to hold it back. */
  admit(runId: string): Promise<"run" | { holdMs: number }>;
  /** A retryable failure (or an unavailable downstream): how long to hold the queue (0: not). */
  failed(failure: { unavailable: boolean; retryAfterMs: number | undefined }): Promise<number>;
  /** A success: closes the breaker when it was open or counting; true when it was open. */
  succeeded(): Promise<boolean>;
  close(): void;
};

export function createDownstreamGate(options: {
  breaker: DownstreamBreaker;
  queue: string;
  refreshMs: number;
  /** A probe holds its claim this long at most: its worker may die mid-probe. */
  probeTtlMs: number;
  onError: (err: unknown) => void;
  /** Told when a run is let through as the probe. */
  onProbe: () => void;
  nowMs?: () => number;
}): DownstreamGate {
  const { breaker, queue } = options;
  const nowMs = options.nowMs ?? Date.now;
  let known: BreakerState = { state: "closed", failures: 0 };
  const refresh = () =>
    breaker.state(queue).then((state) => {
      known = state;
    }, options.onError);
  void refresh();
  const timer = setInterval(refresh, options.refreshMs);
  timer.unref();

  return {
    async admit(runId) {
      if (known.state === "closed") return "run";
      const waitMs = known.untilMs - nowMs();
      if (waitMs > 0) return { holdMs: waitMs };
      if (!(await breaker.claimProbe(queue, runId, options.probeTtlMs)))
        return { holdMs: notTheProbeHoldMs };
      options.onProbe();
      return "run";
    },
    async failed({ unavailable, retryAfterMs }) {
      const verdict = await breaker.failed(queue, { unavailable, retryAfterMs, nowMs: nowMs() });
      if (verdict.holdMs > 0) {
        const at = nowMs();
        known = {
          state: "open",
          failures: known.failures + 1,
          openedAtMs: known.state === "open" ? known.openedAtMs : at,
          intervalMs: verdict.holdMs,
          untilMs: at + verdict.holdMs,
        };
      } else known = { state: "closed", failures: known.failures + 1 };
      return verdict.holdMs;
    },
    async succeeded() {
      if (known.state === "closed" && known.failures === 0) return false;
      known = { state: "closed", failures: 0 };
      return breaker.succeeded(queue);
    },
    close() {
      clearInterval(timer);
    },
  };
}
