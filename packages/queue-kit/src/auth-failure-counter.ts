import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";

/**
 * A fixed window per key: the first failure starts it, later ones only add to it, so an
 * attacker who keeps failing cannot stretch the window of a key beyond `windowMs`. The TTL is
 * set whenever the key has none, so a key can never be left without one. One key per call:
 * each call stays in one slot on Redis Cluster.
 */
const countScript = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** Reads a key's count and time left in one round trip, atomically, adding nothing. */
const peekScript = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return {count, redis.call('PTTL', KEYS[1])}`;

export type AuthFailureCount = { count: number; resetMs: number };

export type AuthFailureCounter = {
  /** Adds one failure to `(scope, id)` and returns the window's count and time left. */
  count(scope: "address" | "client", id: string, windowMs: number): Promise<AuthFailureCount>;
  /**
   * The window's count and time left for `(scope, id)`, counting nothing: `{ count: 0 }` when
   * there is no window (`resetMs` is then negative).
   */
  peek(scope: "address" | "client", id: string): Promise<AuthFailureCount>;
};

export function createAuthFailureCounter(redis: RedisClient, keys: KeyNames): AuthFailureCounter {
  return {
    async count(scope, id, windowMs) {
      const reply = (await redis.eval(
        countScript,
        1,
        keys.authFailures(scope, id),
        String(windowMs),
      )) as [number, number];
      return { count: Number(reply[0]), resetMs: Number(reply[1]) };
    },
    async peek(scope, id) {
      const reply = (await redis.eval(peekScript, 1, keys.authFailures(scope, id))) as [
        number,
        number,
      ];
      return { count: Number(reply[0]), resetMs: Number(reply[1]) };
    },
  };
}
