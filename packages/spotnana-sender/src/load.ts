/** How deliveries are started: on a clock (open model) or as fast as answers come (closed). */
export type LoadModel =
  | { kind: "open"; ratePerSec: number }
  | { kind: "closed"; concurrency: number };

/** Runs at most `limit` tasks at once (Infinity: no bound), the rest in arrival order. */
export function createLimiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await task();
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
  };
}

export const sleepUntil = (atMs: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));

/**
 * The open model: slot `n` is due at `startMs + n / ratePerSec` s, and `start(n, dueMs)` is
 * called for it then, whatever became of the earlier ones: a slow receiver shows as latency
 * counted from the slot, never as a sender that quietly slows down (coordinated omission).
 * Slots that fell due while the sender was busy start at once, in order. `start` returns
 * whether the clock goes on; the run resolves with the slots started and how late the sender
 * itself got behind its clock at worst (a limit of the load generator, not of the receiver).
 */
export function runOpenModel(options: {
  ratePerSec: number;
  startMs: number;
  start: (slot: number, dueMs: number) => boolean;
}): Promise<{ slots: number; maxLagMs: number }> {
  const intervalMs = 1_000 / options.ratePerSec;
  const dueOf = (slot: number) => options.startMs + slot * intervalMs;
  let slot = 0;
  let maxLagMs = 0;
  return new Promise((resolve) => {
    const tick = () => {
      for (let due = dueOf(slot); due <= Date.now(); due = dueOf(slot)) {
        maxLagMs = Math.max(maxLagMs, Date.now() - due);
        const goOn = options.start(slot++, due);
        if (!goOn) return resolve({ slots: slot, maxLagMs });
      }
      setTimeout(tick, Math.max(0, dueOf(slot) - Date.now()));
    };
    setTimeout(tick, Math.max(0, options.startMs - Date.now()));
  });
}

/**
 * The closed model: `concurrency` senders, each starting the next delivery when its last one
 * is answered, until `next` has none left (returns undefined).
 */
export async function runClosedModel(
  concurrency: number,
  next: () => Promise<void> | undefined,
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let sent = next(); sent !== undefined; sent = next()) await sent;
    }),
  );
}
