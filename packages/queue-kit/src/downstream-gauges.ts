import { type QueueNames, queueLabel } from "@skyhook/contracts";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { RedisClient } from "./connections.ts";
import { readBreakerState } from "./downstream-breaker.ts";
import type { KeyNames } from "./keys.ts";
import type { QueuePool } from "./queue-pool.ts";
import { withTimeout } from "./with-timeout.ts";

/** `skyhook_downstream_state`'s values. */
export const downstreamStates = { running: 0, held: 1, paused: 2 } as const;

type Reading = { queue: string; state: number; unavailableSec: number; held: number };

async function readOne(
  redis: RedisClient,
  keys: KeyNames,
  pool: QueuePool,
  queue: string,
  nowMs: number,
): Promise<Reading> {
  const bull = pool.get(queue);
  const [paused, breaker, counts] = await Promise.all([
    bull.isPaused(),
    readBreakerState(redis, keys, queue),
    bull.getJobCounts("waiting", "prioritized"),
  ]);
  const open = breaker.state === "open";
  const state = paused
    ? downstreamStates.paused
    : open
      ? downstreamStates.held
      : downstreamStates.running;
  const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  return {
    queue,
    state,
    unavailableSec: open ? Math.max(0, (nowMs - breaker.openedAtMs) / 1000) : 0,
    held: state === downstreamStates.running ? 0 : waiting,
  };
}

/**
 * The state of each consumed operation's downstream, read from Redis at scrape time:
 * `skyhook_downstream_state{queue}` (0 running, 1 held: its breaker is open, 2 paused by hand),
 * `skyhook_downstream_unavailable_seconds{queue}` (since its breaker opened; 0 when closed) and
 * `skyhook_held_jobs{queue}` (events waiting while held or paused). A queue that cannot be read
 * within `timeoutMs` is left out of the scrape.
 */
export function registerDownstreamGauges(options: {
  registry: Registry;
  redis: RedisClient;
  keys: KeyNames;
  pool: QueuePool;
  queues: () => readonly QueueNames[];
  logger: Logger;
  timeoutMs?: number;
}) {
  const registers = [options.registry];
  const timeoutMs = options.timeoutMs ?? 1_000;
  let current: Promise<Reading[]> | undefined;
  const readings = () => {
    current ??= (async () => {
      const nowMs = Date.now();
      const settled = await Promise.allSettled(
        options
          .queues()
          .map((n) =>
            withTimeout(
              readOne(options.redis, options.keys, options.pool, n.queue, nowMs),
              timeoutMs,
              "Redis",
            ),
          ),
      );
      return settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    })().finally(() => {
      current = undefined;
    });
    return current;
  };
  const gauge = (name: string, help: string, value: (r: Reading) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["queue"] as const,
      registers,
      async collect() {
        const all = await readings();
        this.reset();
        for (const reading of all) this.set({ queue: queueLabel(reading.queue) }, value(reading));
      },
    });
  gauge(
    "skyhook_downstream_state",
    "Whether an operation's jobs are taken: 0 running, 1 held (its downstream's breaker is open), 2 paused by an operator.",
    (r) => r.state,
  );
  gauge(
    "skyhook_downstream_unavailable_seconds",
    "Seconds since the operation's downstream breaker opened; 0 while it is closed.",
    (r) => r.unavailableSec,
  );
  gauge(
    "skyhook_held_jobs",
    "Events waiting for an operation that is held or paused (0 while it runs).",
    (r) => r.held,
  );
  const probes = new Counter({
    name: "skyhook_downstream_probes_total",
    help: "Runs let through an open breaker to try the downstream, one at a time.",
    labelNames: ["queue"] as const,
    registers,
  });
  return { probed: (queue: string) => probes.inc({ queue: queueLabel(queue) }) };
}
