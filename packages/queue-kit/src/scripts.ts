import type { RedisClient } from "./connections.ts";
import { journalKeyCount, journalLua } from "./journal/journal-lua.ts";

/** Where counting one job once writes: Lua expressions, or key and field names. */
export type CountOnce = { job: string; ledger: string; field: string; mark: string };

/**
 * Counts something that happened to one job (its handler succeeded, it was moved to another
 * queue, purged) once, even when a crash makes the step run again: the mark lives in the job's
 * own hash, so it goes when the job goes. A Lua block over the given expressions that sets
 * `counted` to 1 or 0, so that another module's script can count in the same step where its
 * keys may share a script (the worker's entity guard).
 */
export const countOnceLua = (at: CountOnce) => `
local counted = 0
if redis.call('EXISTS', ${at.job}) == 1 and redis.call('HSETNX', ${at.job}, ${at.mark}, '1') == 1 then
  redis.call('HINCRBY', ${at.ledger}, ${at.field}, 1)
  counted = 1
end`;

/**
 * The ledger's Lua scripts. Each decides an outcome and counts it in one step, so a count can
 * never be made twice nor lost between the decision and the increment. Every key a script
 * touches is in one queue's hash tag (see keys.ts). Loaded once per connection and run by
 * EVALSHA (ioredis `defineCommand`).
 */
const scripts = {
  /**
   * After the job was added: counts the delivery once as accepted, the first time Skyhook sees
   * the job it created, and any later sight of it as a duplicate. Keyed on a mark in BullMQ's
   * own job hash, so a retry after a lost answer (job stored, count not yet made) still counts
   * it exactly once. Catch-all events are indexed by routing pair for adoption. The journal
   * entry is written in the same step: the ingress's accepted path sends nothing more for it.
   * KEYS: job, ledger, pair index, then the journal's. ARGV: field suffix, job id, "1" to
   * index, then the journal's.
   */
  skyhookCountDelivery: {
    numberOfKeys: 3 + journalKeyCount,
    lua: `${journalLua(4, 4)}
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HSETNX', KEYS[1], 'sk-accepted', '1') == 1 then
  redis.call('HINCRBY', KEYS[2], 'accepted' .. ARGV[1], 1)
  if ARGV[3] == '1' then redis.call('SADD', KEYS[3], ARGV[2]) end
  journal('accepted')
  return 1
end
redis.call('HINCRBY', KEYS[2], 'duplicate' .. ARGV[1], 1)
journal('duplicate')
return 0`,
  },
  /**
   * A filtered delivery, counted once per delivery id for as long as deduplication lasts, and
   * journaled in the same step. KEYS: filtered mark, ledger, then the journal's. ARGV: field
   * suffix, TTL in seconds, reason, then the journal's.
   */
  skyhookCountFiltered: {
    numberOfKeys: 2 + journalKeyCount,
    lua: `${journalLua(3, 4)}
if redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], 'filtered' .. ARGV[1], 1)
  journal('filtered')
  return 1
end
redis.call('HINCRBY', KEYS[2], 'duplicate' .. ARGV[1], 1)
journal('duplicate')
return 0`,
  },
  /** `countOnceLua`. KEYS: job, ledger. ARGV: counter, field suffix, mark field. */
  skyhookCountOnce: {
    numberOfKeys: 2,
    lua: `${countOnceLua({ job: "KEYS[1]", ledger: "KEYS[2]", field: "ARGV[1] .. ARGV[2]", mark: "ARGV[3]" })}
return counted`,
  },
  /**
   * Counts an event leaving the queue that keeps it — moved out, purged or trimmed — once, and
   * only if no other way out was counted for it first: an operator's purge racing a replay or
   * the kept-queue sweeper must not count one event as leaving twice. An empty suffix only
   * marks the job (one that was never counted as accepted): the caller still learns whether
   * it was first. The first is journaled (replayed, adopted, purged, trimmed) in the same step.
   * KEYS: job, ledger, then the journal's. ARGV: counter, field suffix, mark field, journal
   * outcome, then the journal's.
   */
  skyhookCountLeave: {
    numberOfKeys: 2 + journalKeyCount,
    lua: `${journalLua(3, 5)}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, mark in ipairs({'sk-moved', 'sk-purged', 'sk-trimmed'}) do
  if redis.call('HEXISTS', KEYS[1], mark) == 1 then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[3], '1')
if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[1] .. ARGV[2], 1) end
journal(ARGV[4])
return 1`,
  },
  /**
   * One journal entry on its own, for outcomes no ledger script records: a rejected delivery,
   * a job's run. KEYS: the journal's. ARGV: outcome, then the journal's.
   */
  skyhookJournal: {
    numberOfKeys: journalKeyCount,
    lua: `${journalLua(1, 2)}
journal(ARGV[1])
return 1`,
  },
} as const;

type ScriptName = keyof typeof scripts;

export type LedgerScripts = {
  [K in ScriptName]: (...args: (string | number)[]) => Promise<number>;
};

const defined = new WeakSet<RedisClient>();

/** The scripts on `redis`, defined on first use. */
export function ledgerScripts(redis: RedisClient): LedgerScripts {
  if (!defined.has(redis)) {
    for (const [name, script] of Object.entries(scripts)) {
      redis.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    }
    defined.add(redis);
  }
  return redis as unknown as LedgerScripts;
}
