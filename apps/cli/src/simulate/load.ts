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
