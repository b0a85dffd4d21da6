import type { RedisClient } from "./connections.ts";
import type { KeyNames } from "./keys.ts";

/**
 * The circuit breaker of one operation's downstream, shared by every worker of that operation
 * through Redis. Closed, it counts consecutive retryable failures; a downstream that says it is
 * unavailable (`DownstreamUnavailable`), or `failureThreshold` failures in a row, open it for an
 * interval — the downstream's `Retry-After` when it gave one, else `baseIntervalMs`, doubled at
 * each failed probe up to `maxIntervalMs`. While open, the operation's queue is held (BullMQ's
 * queue-wide rate limit, set by the worker) and one job at a time may probe; a success closes it.
 */
export type BreakerSettings = {
  failureThreshold: number;
  baseIntervalMs: number;
  maxIntervalMs: number;
};

export type BreakerState =
  | { state: "closed"; failures: number }
  | { state: "open"; failures: number; openedAtMs: number; intervalMs: number; untilMs: number };

export type BreakerFailure = {
  /** The downstream said so (429/503, unreachable): the breaker opens at once. */
  unavailable: boolean;
  /** The downstream's own `Retry-After`, when it gave one. */
  retryAfterMs: number | undefined;
  nowMs: number;
};

/** What a failure did: `holdMs` is how long the queue is to be held (0: not held). */
export type BreakerVerdict = { opened: boolean; holdMs: number };

/**
 * KEYS: breaker hash, probe token. ARGV: unavailable ("1"/"0"), retry-after ms (or ""), now ms,
 * threshold, base ms, max ms. Returns { opened (0/1), holdMs }.
 */
const failLua = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local state = redis.call('HGET', KEYS[1], 'state')
local now = tonumber(ARGV[3])
local retryAfter = tonumber(ARGV[2])
if state ~= 'open' and ARGV[1] ~= '1' and failures < tonumber(ARGV[4]) then
  return {0, 0}
end
local interval = tonumber(ARGV[5])
if state == 'open' then
  interval = math.min(tonumber(redis.call('HGET', KEYS[1], 'interval')) * 2, tonumber(ARGV[6]))
else
  redis.call('HSET', KEYS[1], 'opened', now)
end
local hold = interval
if retryAfter ~= nil and retryAfter > hold then hold = retryAfter end
redis.call('HSET', KEYS[1], 'state', 'open', 'interval', interval, 'until', now + hold)
redis.call('DEL', KEYS[2])
if state == 'open' then return {0, hold} end
return {1, hold}`;

/** KEYS: breaker hash, probe token. Returns 1 when it was open (the downstream is back). */
const succeedLua = `
local state = redis.call('HGET', KEYS[1], 'state')
redis.call('DEL', KEYS[1], KEYS[2])
if state == 'open' then return 1 end
return 0`;

/** The breaker of `queue` as Redis holds it; what operators' tools read. */
export async function readBreakerState(
  redis: RedisClient,
  keys: KeyNames,
  queue: string,
): Promise<BreakerState> {
  const fields = await redis.hgetall(keys.breaker(queue));
  const failures = Number(fields.failures ?? 0);
  if (fields.state !== "open") return { state: "closed", failures };
  return {
    state: "open",
    failures,
    openedAtMs: Number(fields.opened),
    intervalMs: Number(fields.interval),
    untilMs: Number(fields.until),
  };
}

type BreakerScripts = {
  skyhookBreakerFail(...args: (string | number)[]): Promise<[number, number]>;
  skyhookBreakerSucceed(...args: (string | number)[]): Promise<number>;
};

const defined = new WeakSet<RedisClient>();

function breakerScripts(redis: RedisClient): BreakerScripts {
  if (!defined.has(redis)) {
    redis.defineCommand("skyhookBreakerFail", { numberOfKeys: 2, lua: failLua });
    redis.defineCommand("skyhookBreakerSucceed", { numberOfKeys: 2, lua: succeedLua });
    defined.add(redis);
  }
  return redis as unknown as BreakerScripts;
}

export type DownstreamBreaker = ReturnType<typeof createDownstreamBreaker>;

export function createDownstreamBreaker(
  redis: RedisClient,
  keys: KeyNames,
  settings: BreakerSettings,
) {
  const run = breakerScripts(redis);
  return {
    settings,
    state: (queue: string) => readBreakerState(redis, keys, queue),
    /** Counts a retryable failure; opens (or reopens, longer) the breaker when it must. */
    async failed(queue: string, failure: BreakerFailure): Promise<BreakerVerdict> {
      const [opened, holdMs] = await run.skyhookBreakerFail(
        keys.breaker(queue),
        keys.breakerProbe(queue),
        failure.unavailable ? "1" : "0",
        failure.retryAfterMs ?? "",
        failure.nowMs,
        settings.failureThreshold,
        settings.baseIntervalMs,
        settings.maxIntervalMs,
      );
      return { opened: opened === 1, holdMs };
    },
    /** A success closes the breaker; true when it was open: the downstream is back. */
    async succeeded(queue: string): Promise<boolean> {
      return (await run.skyhookBreakerSucceed(keys.breaker(queue), keys.breakerProbe(queue))) === 1;
    },
    /**
     * While the breaker is open, the one job allowed to try the downstream: true for the first
     * run to ask until its answer (or `ttlMs`, should its worker die).
     */
    async claimProbe(queue: string, runId: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(keys.breakerProbe(queue), runId, "PX", ttlMs, "NX")) === "OK";
    },
  };
}
