import type { UndeclaredPaths } from "@skyhook/contracts";
import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";

/**
 * What live traffic carries that the contracts' schemas do not declare, per routing pair: one
 * hash per pair, fields per path — `n|<path>` (sampled events that carried it), `f|<path>` and
 * `l|<path>` (first and last seen), `x|<path>` (one delivery id to look at) — and the pair's
 * own `sk-sampled` (events looked at), `sk-paths` (paths recorded), `sk-dropped` (sightings of
 * paths left out once the pair held `maxPathsPerPair`) and `sk-truncated` (events whose walk
 * a limit cut short).
 */
export type DriftSettings = {
  /** Distinct paths kept per pair: a hostile or very loose sender cannot grow the hash further. */
  maxPathsPerPair: number;
  /** A pair's hash goes once no event of it was sampled for this long. */
  ttlSec: number;
};

export const defaultDriftSettings: DriftSettings = {
  maxPathsPerPair: 200,
  ttlSec: 30 * 24 * 3600,
};

/**
 * One sampled event, in one step: each path counted (a new one only while the pair holds fewer
 * than the bound), the pair indexed, both given the TTL again.
 * KEYS: pair hash, pairs index. ARGV: pair, now, delivery id, max paths, TTL, truncated, paths….
 */
const recordLua = `
for i = 7, #ARGV do
  local path = ARGV[i]
  local count = 'n|' .. path
  if redis.call('HEXISTS', KEYS[1], count) == 1 then
    redis.call('HINCRBY', KEYS[1], count, 1)
    redis.call('HSET', KEYS[1], 'l|' .. path, ARGV[2])
  elseif tonumber(redis.call('HGET', KEYS[1], 'sk-paths') or '0') < tonumber(ARGV[4]) then
    redis.call('HINCRBY', KEYS[1], 'sk-paths', 1)
    redis.call('HSET', KEYS[1], count, 1, 'f|' .. path, ARGV[2], 'l|' .. path, ARGV[2], 'x|' .. path, ARGV[3])
  else
    redis.call('HINCRBY', KEYS[1], 'sk-dropped', 1)
  end
end
redis.call('HINCRBY', KEYS[1], 'sk-sampled', 1)
if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[1], 'sk-truncated', 1) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

type DriftScripts = { skyhookRecordDrift(...args: (string | number)[]): Promise<number> };

const defined = new WeakSet<RedisClient>();

function driftScripts(redis: RedisClient): DriftScripts {
  if (!defined.has(redis)) {
    redis.defineCommand("skyhookRecordDrift", { numberOfKeys: 2, lua: recordLua });
    defined.add(redis);
  }
  return redis as unknown as DriftScripts;
}

export type DriftPair = { eventType: string; operation: string };

/** How a pair is named in the index: the catalogue's names never hold `|`. */
export const driftPairName = (pair: DriftPair) => `${pair.eventType}|${pair.operation}`;

export type DriftRecorder = {
  /** One sampled event of `pair`, with what its payload carries undeclared; one script call. */
  record(pair: DriftPair, found: UndeclaredPaths, deliveryId: string, at?: Date): Promise<void>;
};

/**
 * Forgets what was recorded for `pair` (after its schema was updated, so that what is still
 * undeclared is counted afresh); true when there was something to forget.
 */
export async function clearDrift(
  redis: RedisClient,
  keys: KeyNames,
  pair: DriftPair,
): Promise<boolean> {
  // Two keys of the `{drift}` slot: one MULTI, so the index never names a hash that is gone.
  const replies = await redis
    .multi()
    .del(keys.drift(pair.eventType, pair.operation))
    .srem(keys.driftPairs(), driftPairName(pair))
    .exec();
  return replies?.[0]?.[1] === 1;
}

export function createDriftRecorder(
  redis: RedisClient,
  keys: KeyNames,
  settings: DriftSettings = defaultDriftSettings,
): DriftRecorder {
  const run = driftScripts(redis);
  return {
    async record(pair, found, deliveryId, at = new Date()) {
      await run.skyhookRecordDrift(
        keys.drift(pair.eventType, pair.operation),
        keys.driftPairs(),
        driftPairName(pair),
        at.toISOString(),
        deliveryId,
        settings.maxPathsPerPair,
        settings.ttlSec,
        found.truncated ? "1" : "0",
        ...found.paths,
      );
    },
  };
}
