import {
  corroboratedOperations,
  EventType,
  knownOperations,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { z } from "zod";
import type { RedisClient } from "./connections.ts";
import type { DriftPair } from "./contract-drift.ts";
import type { KeyNames } from "./keys.ts";

/**
 * One thing live traffic carries that the contracts do not know:
 * - `field`: a payload path the pair's schema does not declare (`subject` is the path), or a
 *   value an enum of it does not list (`path=VALUE`), from the workers' samples: `count` is
 *   the sampled events that carried it;
 * - `operation` / `event-type`: a value the contracts' catalogue does not list (`subject` is
 *   the value), read from the catch-all's ledger: `count` is the deliveries received, first and
 *   last seen and the example are of those the catch-all still keeps.
 */
export type DriftRow = DriftPair & {
  kind: "field" | "operation" | "event-type";
  subject: string;
  count: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  exampleDeliveryId: string | undefined;
  /** Why a value is still listed although something names it (a corroborated operation). */
  note?: string;
};

/** What the workers looked at per pair, to read the counts against. */
export type DriftPairSummary = DriftPair & {
  sampled: number;
  paths: number;
  /** Sightings of new paths left out once the pair held its bound. */
  dropped: number;
  /** Events whose walk a limit cut short: they may carry more than was recorded. */
  truncated: number;
};

export type DriftReport = { rows: DriftRow[]; pairs: DriftPairSummary[] };

const number = (value: string | undefined) => (value === undefined ? 0 : Number(value) || 0);

/** A pair's hash as rows, one per recorded path. */
function fieldRows(pair: DriftPair, hash: Record<string, string>): DriftRow[] {
  return Object.entries(hash).flatMap(([field, value]): DriftRow[] => {
    if (!field.startsWith("n|")) return [];
    const path = field.slice(2);
    return [
      {
        ...pair,
        kind: "field",
        subject: path,
        count: number(value),
        firstSeen: hash[`f|${path}`],
        lastSeen: hash[`l|${path}`],
        exampleDeliveryId: hash[`x|${path}`],
      },
    ];
  });
}

async function sampledDrift(redis: RedisClient, keys: KeyNames): Promise<DriftReport> {
  const names = (await redis.smembers(keys.driftPairs())).sort();
  const rows: DriftRow[] = [];
  const pairs: DriftPairSummary[] = [];
  for (const name of names) {
    const [eventType = "", operation = ""] = name.split("|");
    const pair = { eventType, operation };
    const hash = await redis.hgetall(keys.drift(eventType, operation));
    if (Object.keys(hash).length === 0) continue;
    rows.push(...fieldRows(pair, hash).sort((a, b) => b.count - a.count));
    pairs.push({
      ...pair,
      sampled: number(hash["sk-sampled"]),
      paths: number(hash["sk-paths"]),
      dropped: number(hash["sk-dropped"]),
      truncated: number(hash["sk-truncated"]),
    });
  }
  return { rows, pairs };
}

/** Which of a pair's names the contracts do not know, if any. */
function unknownPart(pair: DriftPair): Pick<DriftRow, "kind" | "subject" | "note"> | undefined {
  const type = EventType.safeParse(pair.eventType);
  if (!type.success) return { kind: "event-type", subject: pair.eventType };
  const known: readonly string[] = knownOperations[type.data];
  if (known.includes(pair.operation)) return undefined;
  const corroborated = corroboratedOperations[type.data]?.includes(pair.operation) === true;
  return corroborated
    ? { kind: "operation", subject: pair.operation, note: "corroborated, not documented" }
    : { kind: "operation", subject: pair.operation };
}

const Delivery = z.object({ deliveryId: z.string() });
const scanBatch = 500;

/** First and last arrival of the pair's events still in the catch-all, and the newest's id. */
async function keptSpan(redis: RedisClient, keys: KeyNames, pair: DriftPair) {
  const catchAll = unroutedQueueNames.queue;
  const index = keys.pairIndex(catchAll, pair.eventType, pair.operation);
  let first: number | undefined;
  let last: { at: number; jobId: string } | undefined;
  let cursor = "0";
  do {
    const [next, ids] = await redis.sscan(index, cursor, "COUNT", scanBatch);
    cursor = next;
    if (ids.length === 0) continue;
    // The index and the jobs share the catch-all's hash tag: one pipeline, one Cluster slot.
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(keys.job(catchAll, id), "timestamp");
    const replies = (await pipeline.exec()) ?? [];
    ids.forEach((jobId, i) => {
      const at = Number(replies[i]?.[1]);
      if (!Number.isFinite(at) || at <= 0) return;
      first = first === undefined ? at : Math.min(first, at);
      if (last === undefined || at > last.at) last = { at, jobId };
    });
  } while (cursor !== "0");
  if (first === undefined || last === undefined) return {};
  const data = await redis.hget(keys.job(catchAll, last.jobId), "data");
  let example: string | undefined;
  try {
    const parsed = Delivery.safeParse(JSON.parse(data ?? "null"));
    example = parsed.success ? parsed.data.deliveryId : undefined;
  } catch {
    example = undefined;
  }
  return {
    firstSeen: new Date(first).toISOString(),
    lastSeen: new Date(last.at).toISOString(),
    exampleDeliveryId: example,
  };
}

/**
 * Operations and event types the contracts do not know, from what the catch-all already counts
 * (its ledger rows, received = accepted + filtered) and indexes (its pair index): nothing is
 * written for them.
 */
async function unknownValues(redis: RedisClient, keys: KeyNames): Promise<DriftRow[]> {
  const ledger = await redis.hgetall(keys.ledger(unroutedQueueNames.queue));
  const received = new Map<string, number>();
  for (const [field, value] of Object.entries(ledger)) {
    const [counter, , eventType, operation] = field.split("|");
    if (counter !== "accepted" && counter !== "filtered") continue;
    if (eventType === undefined || operation === undefined) continue;
    const name = `${eventType}|${operation}`;
    received.set(name, (received.get(name) ?? 0) + number(value));
  }
  const rows: DriftRow[] = [];
  for (const [name, count] of [...received].sort(([a], [b]) => a.localeCompare(b))) {
    const [eventType = "", operation = ""] = name.split("|");
    const pair = { eventType, operation };
    const unknown = unknownPart(pair);
    if (unknown === undefined || count === 0) continue;
    const span = await keptSpan(redis, keys, pair);
    rows.push({
      ...pair,
      ...unknown,
      count,
      firstSeen: span.firstSeen,
      lastSeen: span.lastSeen,
      exampleDeliveryId: span.exampleDeliveryId,
    });
  }
  return rows;
}

/** Contract drift as `skyhook drift` shows it: sampled fields first, then unknown values. */
export async function readContractDrift(redis: RedisClient, keys: KeyNames): Promise<DriftReport> {
  const sampled = await sampledDrift(redis, keys);
  return { rows: [...sampled.rows, ...(await unknownValues(redis, keys))], pairs: sampled.pairs };
}

/** The number of undeclared paths recorded per pair (the metric's value), one read per pair. */
export async function driftPathCounts(
  redis: RedisClient,
  keys: KeyNames,
  pairs: readonly DriftPair[],
): Promise<Array<DriftPair & { paths: number }>> {
  if (pairs.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const pair of pairs) pipeline.hget(keys.drift(pair.eventType, pair.operation), "sk-paths");
  const replies = (await pipeline.exec()) ?? [];
  return pairs.map((pair, i) => {
    const [err, value] = replies[i] ?? [null, null];
    if (err !== null && err !== undefined) throw err;
    return { ...pair, paths: typeof value === "string" ? number(value) : 0 };
  });
}
