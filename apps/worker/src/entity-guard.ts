import { randomUUID } from "node:crypto";
import { EntityOrder, newestOf } from "@skyhook/contracts";
import type { KeyNames, RedisClient } from "@skyhook/queue-kit";

/** Deletes the lock only if this holder still owns it, so a late release never frees another's. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type GuardScripts = {
  skyhookEntityRelease(lockKey: string, owner: string): Promise<number>;
};

/** Loaded once per connection and run by EVALSHA, not sent whole with every release. */
function guardScripts(redis: RedisClient): GuardScripts {
  redis.defineCommand("skyhookEntityRelease", { numberOfKeys: 1, lua: releaseScript });
  return redis as unknown as GuardScripts;
}

export type EntityLock = {
  /** The newest position of the entity applied so far, if any. */
  newest(): Promise<EntityOrder | undefined>;
  /** Records `order` as applied: the entity's high-water mark becomes the newer of the two. */
  advance(order: EntityOrder): Promise<void>;
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
  const scripts = guardScripts(redis);
  const lockKey = keys.entityLock;
  const markKey = keys.entityNewest;
  return {
    async lock(entity) {
      const owner = randomUUID();
      const acquired = await redis.set(lockKey(entity), owner, "PX", options.lockMs, "NX");
      if (acquired !== "OK") return undefined;
      return {
        async newest() {
          const raw = await redis.get(markKey(entity));
          return raw === null ? undefined : EntityOrder.parse(JSON.parse(raw));
        },
        async advance(order) {
          const raw = await redis.get(markKey(entity));
          const current =
            raw === null ? order : newestOf(EntityOrder.parse(JSON.parse(raw)), order);
          await redis.set(markKey(entity), JSON.stringify(current), "EX", options.markTtlSec);
        },
        async release() {
          await scripts.skyhookEntityRelease(lockKey(entity), owner);
        },
      };
    },
  };
}
