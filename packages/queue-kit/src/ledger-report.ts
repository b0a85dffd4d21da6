import type { QueueNames } from "@skyhook/contracts";
import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";
import { type LedgerCounter, type LedgerKey, ledgerCounters } from "./ledger.ts";
import type { QueuePool } from "./queue-pool.ts";

export type LedgerRow = LedgerKey & { queue: string } & Record<LedgerCounter, number>;

export type QueueBalance = {
  queue: string;
  /** accepted + moved_in − moved_out − purged − trimmed */
  expected: number;
  completed: number;
  deadLettered: number;
  stale: number;
  inFlight: { waiting: number; delayed: number; active: number; prioritized: number };
  /**
   * Of the in-flight events, those waiting while the operation is held (its downstream's
   * breaker open) or paused by hand: kept, not lost, and counted in flight.
   */
  held: number;
  /** expected − (completed + dead-lettered + stale + in flight): 0 when nothing is missing. */
  difference: number;
};

export type LedgerReport = { rows: LedgerRow[]; queues: QueueBalance[]; balanced: boolean };

const zeroCounters = (): Record<LedgerCounter, number> =>
  Object.fromEntries(ledgerCounters.map((c) => [c, 0])) as Record<LedgerCounter, number>;

const isCounter = (value: string): value is LedgerCounter =>
  (ledgerCounters as readonly string[]).includes(value);

/** Reads the counters and the queues that hold events, for every queue given. */
export async function readLedger(
  redis: RedisClient,
  keys: KeyNames,
  pool: QueuePool,
  queues: readonly QueueNames[],
): Promise<LedgerReport> {
  const rows: LedgerRow[] = [];
  const balances: QueueBalance[] = [];
  for (const names of queues) {
    const [held, deadLetters, stale, fields, paused, breaker] = await Promise.all([
      pool.get(names.queue).getJobCounts("waiting", "delayed", "active", "prioritized"),
      pool.get(names.deadLetter).getJobCounts("waiting", "delayed", "prioritized"),
      pool.get(names.stale).getJobCounts("waiting", "delayed", "prioritized"),
      redis.hgetall(keys.ledger(names.queue)),
      pool.get(names.queue).isPaused(),
      redis.hget(keys.breaker(names.queue), "state"),
    ]);
    const byKey = new Map<string, LedgerRow>();
    for (const [field, value] of Object.entries(fields)) {
      const [counter, subscription, eventType, operation] = field.split("|");
      if (counter === undefined || !isCounter(counter)) continue;
      if (subscription === undefined || eventType === undefined || operation === undefined)
        continue;
      const id = `${subscription}|${eventType}|${operation}`;
      let row = byKey.get(id);
      if (row === undefined) {
        row = { queue: names.queue, subscription, eventType, operation, ...zeroCounters() };
        byKey.set(id, row);
      }
      row[counter] += Number(value);
    }
    const queueRows = [...byKey.values()];
    rows.push(...queueRows);
    const sum = (counter: LedgerCounter) => queueRows.reduce((n, r) => n + r[counter], 0);
    const total = (counts: Record<string, number>) =>
      Object.values(counts).reduce((n, c) => n + c, 0);
    const inFlight = {
      waiting: held.waiting ?? 0,
      delayed: held.delayed ?? 0,
      active: held.active ?? 0,
      prioritized: held.prioritized ?? 0,
    };
    const expected =
      sum("accepted") + sum("moved_in") - sum("moved_out") - sum("purged") - sum("trimmed");
    const accounted = sum("completed") + total(deadLetters) + total(stale) + total(inFlight);
    balances.push({
      queue: names.queue,
      expected,
      completed: sum("completed"),
      deadLettered: total(deadLetters),
      stale: total(stale),
      inFlight,
      held: paused || breaker === "open" ? inFlight.waiting + inFlight.prioritized : 0,
      difference: expected - accounted,
    });
  }
  return { rows, queues: balances, balanced: balances.every((b) => b.difference === 0) };
}
