import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const sharedRedisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Every test gets its own BullMQ prefix: isolation without ever flushing the shared Redis. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${randomBytes(4).toString("hex")}`;
}

export function connect(url = sharedRedisUrl): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Deletes the keys this test wrote (and only those). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** One connection for a test file, and the prefixes it handed out, deleted (only those) by `cleanUp`. */
export function prefixedRedis(url = sharedRedisUrl) {
  const redis = connect(url);
  const handedOut: string[] = [];
  return {
    redis,
    prefix(label: string): string {
      const prefix = uniquePrefix(label);
      handedOut.push(prefix);
      return prefix;
    },
    async cleanUp(): Promise<void> {
      for (const prefix of handedOut) await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
