import {
  createAuthFailureCounter,
  type KeyNames,
  type RedisClient,
  withTimeout,
} from "@skyhook/queue-kit";
import type { Logger } from "pino";

export type LoginLimits = { perAddress: number; windowSec: number };

export type LoginLimiter = {
  /**
   * Runs `judge` for `address` unless the address has used up its failures in the current
   * window, in which case it resolves to the seconds left instead and `judge` is never called:
   * past the limit a password is not even looked at, so guessing on learns nothing. A `judge`
   * that reports a failure is counted. Checks of one address run one after another in this
   * process, so a burst of concurrent guesses cannot all be judged before the first is counted.
   */
  attempt(
    address: string,
    judge: () => Promise<boolean>,
  ): Promise<{ judged: true; ok: boolean } | { judged: false; retryAfterSec: number }>;
};

/** Redis's answer may not hold a login up: without it, logins are judged as if under the limit. */
const redisTimeoutMs = 1_000;

/**
 * Failed dashboard logins per client address, counted in Redis by the ingress's own failure
 * counter, so every replica shares one count. The counter's `client` scope counts per
 * (client, address); the dashboard is the client here, under an id no ingress client id can
 * take (those start with the address), so dashboard and ingress failures never mix.
 *
 * The counter only adds; whether an address is already over is read from the same key.
 */
export function createLoginLimiter(deps: {
  redis: RedisClient;
  keys: KeyNames;
  limits: LoginLimits;
  logger: Logger;
}): LoginLimiter {
  const counter = createAuthFailureCounter(deps.redis, deps.keys);
  const windowMs = deps.limits.windowSec * 1000;
  const idOf = (address: string) => `dashboard-login|${address}`;
  const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  const inFlight = new Map<string, Promise<unknown>>();

  /** Seconds left when the address has no failures left, else undefined. */
  const blocked = async (address: string): Promise<number | undefined> => {
    const key = deps.keys.authFailures("client", idOf(address));
    const replies = await withTimeout(
      deps.redis.pipeline().get(key).pttl(key).exec(),
      redisTimeoutMs,
      "the login failure count",
    );
    const count = Number(replies?.[0]?.[1] ?? 0);
    const leftMs = Number(replies?.[1]?.[1] ?? -2);
    return count >= deps.limits.perAddress && leftMs > 0 ? secondsOf(leftMs) : undefined;
  };

  const check = async (address: string, judge: () => Promise<boolean>) => {
    const retryAfterSec = await blocked(address).catch((err: unknown) => {
      deps.logger.warn({ err }, "could not read login failures; judging the login anyway");
      return undefined;
    });
    if (retryAfterSec !== undefined) return { judged: false as const, retryAfterSec };
    const ok = await judge();
    if (!ok) {
      await withTimeout(
        counter.count("client", idOf(address), windowMs),
        redisTimeoutMs,
        "the login failure count",
      ).catch((err: unknown) =>
        deps.logger.warn({ err }, "could not count a failed login; it goes uncounted"),
      );
    }
    return { judged: true as const, ok };
  };

  return {
    attempt(address, judge) {
      const previous = inFlight.get(address) ?? Promise.resolve();
      const result = previous.then(() => check(address, judge));
      const settled = result.catch(() => undefined);
      inFlight.set(address, settled);
      void settled.then(() => {
        if (inFlight.get(address) === settled) inFlight.delete(address);
      });
      return result;
    },
  };
}
