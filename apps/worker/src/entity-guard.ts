import { randomUUID } from "node:crypto";
import { EntityOrder } from "@skyhook/contracts";
import { type CountOnce, countOnceLua, type KeyNames, type RedisClient } from "@skyhook/queue-kit";

/**
 * Records a position as applied and releases the lock in one step. The mark becomes the newer
 * of the stored one and this, field by field (as `newestOf`), merged here rather than from what
 * the holder read: a holder whose lock lapsed mid-handler still never moves a mark back.
 * Numbers are written with 17 significant digits, which read back as the same double. The lock
 * is deleted only if this holder still owns it, so a late release never frees another's.
 * KEYS[1], KEYS[2]: the lock and the mark; ARGV[1..3]: owner, the position as JSON (an
 * EntityOrder), the mark's TTL in seconds.
 */
const advanceAndReleaseLua = `
local order = cjson.decode(ARGV[2])
local version, timestampMs = order.version, order.timestampMs
local raw = redis.call('GET', KEYS[2])
if raw then
  local applied = cjson.decode(raw)
  if type(applied.version) == 'number' and (version == nil or applied.version > version) then
    version = applied.version
  end
  if type(applied.timestampMs) == 'number' and (timestampMs == nil or applied.timestampMs > timestampMs) then
    timestampMs = applied.timestampMs
  end
end
local mark = '{"entity":' .. cjson.encode(order.entity)
if version then mark = mark .. ',"version":' .. string.format('%.17g', version) end
if timestampMs then mark = mark .. ',"timestampMs":' .. string.format('%.17g', timestampMs) end
redis.call('SET', KEYS[2], mark .. '}', 'EX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end`;

/**
 * The guard's Lua scripts, one round trip each. The entity's lock and its high-water mark share
 * the entity's hash tag (keys.ts), the job's hash and the ledger their queue's, so on a Cluster
 * each script stays in one slot; only `skyhookEntityCompleteAndRelease` takes both, and it runs
 * only where there are no slots.
 */
const scripts = {
  /**
   * Takes the lock (`SET NX PX`) and, only if it was taken, reads the mark in the same step:
   * what the holder reads is what was applied before it, and nobody else can move it meanwhile.
   * ARGV: owner, lock ms. Returns `{1, mark or false}` when taken, `{0}` when busy.
   */
  skyhookEntityAcquire: {
    numberOfKeys: 2,
    lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {1, redis.call('GET', KEYS[2])}
end
return {0}`,
  },
  /** `advanceAndReleaseLua`. KEYS: lock, mark. ARGV: owner, the position as JSON, mark TTL. */
  skyhookEntityAdvanceAndRelease: {
    numberOfKeys: 2,
    lua: `${advanceAndReleaseLua}
return 1`,
  },
  /**
   * A completion counted in the ledger (`countOnceLua`) and the position recorded with the
   * lock released, in one step: for one Redis server (or Sentinel), where a script may touch
   * the queue's keys and the entity's together. KEYS: lock, mark, job, ledger. ARGV: owner,
   * the position as JSON, mark TTL, ledger field, job mark. Returns 1 if it counted.
   */
  skyhookEntityCompleteAndRelease: {
    numberOfKeys: 4,
    lua: `${countOnceLua({ job: "KEYS[3]", ledger: "KEYS[4]", field: "ARGV[4]", mark: "ARGV[5]" })}
${advanceAndReleaseLua}
return counted`,
  },
  /**
   * The completion's count alone, for a Cluster, where the queue's keys and the entity's are
   * in different slots. KEYS: job, ledger. ARGV: ledger field, job mark.
   */
  skyhookEntityCountOnce: {
    numberOfKeys: 2,
    lua: `${countOnceLua({ job: "KEYS[1]", ledger: "KEYS[2]", field: "ARGV[1]", mark: "ARGV[2]" })}
return counted`,
  },
  /** Deletes the lock only if this holder still owns it. KEYS: the lock. ARGV: owner. */
  skyhookEntityRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
} as const;

type GuardScripts = {
  skyhookEntityAcquire(
    lockKey: string,
    markKey: string,
    owner: string,
    lockMs: number,
  ): Promise<[1, string | null] | [0]>;
  skyhookEntityAdvanceAndRelease(
    lockKey: string,
    markKey: string,
    owner: string,
    order: string,
    ttlSec: number,
  ): Promise<number>;
  skyhookEntityCompleteAndRelease(
    lockKey: string,
    markKey: string,
    jobKey: string,
    ledgerKey: string,
    owner: string,
    order: string,
    ttlSec: number,
    field: string,
    jobMark: string,
  ): Promise<number>;
  skyhookEntityCountOnce(
    jobKey: string,
    ledgerKey: string,
    field: string,
    jobMark: string,
  ): Promise<number>;
  skyhookEntityRelease(lockKey: string, owner: string): Promise<number>;
};

/** Loaded once per connection and run by EVALSHA, not sent whole with every job. */
function guardScripts(redis: RedisClient): GuardScripts {
  for (const [name, script] of Object.entries(scripts)) redis.defineCommand(name, script);
  return redis as unknown as GuardScripts;
}

export type EntityLock = {
  /** The newest position of the entity applied before this lock was taken, if any. */
  newest(): EntityOrder | undefined;
  /**
   * Records `order` as applied (the high-water mark becomes the newer of the two) and releases
   * the lock, in one step.
   */
  advanceAndRelease(order: EntityOrder): Promise<void>;
  /**
   * The same, and counts the job's completion in the ledger (`Ledger.completion`): in one step
   * on one Redis server; on a Cluster, where the queue's keys and the entity's are in different
   * slots, as two scripts sent at once. No order is needed between them: a crash after either
   * re-runs the job, which the count's mark counts once and whose recorded position is its own.
   */
  completeAndRelease(order: EntityOrder, count: CountOnce): Promise<void>;
  /** Releases the lock without recording anything. */
  release(): Promise<void>;
};

export type EntityGuard = {
  /** Exclusive access to one entity across every worker, or undefined if another holds it. */
  lock(entity: string): Promise<EntityLock | undefined>;
};

/**
 * Serialises the handling of one entity (a PNR, a traveler, a task…) across all workers and
 * queues, and remembers the newest position applied to it. Two workers handling events of
 * the same PNR concurrently cannot interleave, and an event older than what was applied is
 * recognised as stale. The lock outlives a crash by at most `lockMs`; handlers must finish
 * well within it (they are I/O-bound and short).
 */
export function createEntityGuard(
  redis: RedisClient,
  keys: KeyNames,
  options: { lockMs: number; markTtlSec: number },
): EntityGuard {
  const run = guardScripts(redis);
  return {
    async lock(entity) {
      const owner = randomUUID();
      const lockKey = keys.entityLock(entity);
      const markKey = keys.entityNewest(entity);
      const taken = await run.skyhookEntityAcquire(lockKey, markKey, owner, options.lockMs);
      if (taken[0] !== 1) return undefined;
      const mark = taken[1];
      return {
        // Parsed on demand, not here: a mark that does not parse must fail the job while its
        // holder can still release the lock.
        newest: () => (mark === null ? undefined : EntityOrder.parse(JSON.parse(mark))),
        async advanceAndRelease(order) {
          await run.skyhookEntityAdvanceAndRelease(
            lockKey,
            markKey,
            owner,
            JSON.stringify(order),
            options.markTtlSec,
          );
        },
        async completeAndRelease(order, count) {
          const position = JSON.stringify(order);
          if (redis.isCluster) {
            await Promise.all([
              run.skyhookEntityCountOnce(count.job, count.ledger, count.field, count.mark),
              run.skyhookEntityAdvanceAndRelease(
                lockKey,
                markKey,
                owner,
                position,
                options.markTtlSec,
              ),
            ]);
            return;
          }
          await run.skyhookEntityCompleteAndRelease(
            lockKey,
            markKey,
            count.job,
            count.ledger,
            owner,
            position,
            options.markTtlSec,
            count.field,
            count.mark,
          );
        },
        async release() {
          await run.skyhookEntityRelease(lockKey, owner);
        },
      };
    },
  };
}
