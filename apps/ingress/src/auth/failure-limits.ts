import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, MemoryStore } from "express-rate-limit";
import { IngressError } from "../errors.ts";

export type FailureLimits = { perAddress: number; perClientAddress: number; windowSec: number };

/**
 * Limits failed authentication only. express-rate-limit's middleware counts every request on
 * arrival (and un-counts successes later), so 50 concurrent valid deliveries would trip it;
 * here only answered 401s are counted, in its windowed MemoryStore, and a request is refused
 * only once failures reached the limit. A Spotnana node with valid credentials is never slowed.
 *
 * Failures are counted per source address and per (claimed client, address). There is
 * deliberately no limit per client alone: anyone could then lock Spotnana's own client out by
 * guessing its secret from elsewhere. Counters live in this process's memory; with N replicas
 * behind a balancer, the effective limit is up to N times the configured one.
 */
export function failureLimits(
  limits: FailureLimits,
  claimedClient: (req: Request) => string,
): RequestHandler {
  const windowMs = limits.windowSec * 1000;
  const store = new MemoryStore();
  // The store reads only `windowMs` from the middleware's options.
  store.init({ windowMs } as Parameters<MemoryStore["init"]>[0]);

  return async (req: Request, res: Response, next: NextFunction) => {
    const address = ipKeyGenerator(req.ip ?? "unknown");
    const counted: Array<[string, number]> = [
      [`address|${address}`, limits.perAddress],
      [`client|${claimedClient(req)}|${address}`, limits.perClientAddress],
    ];
    for (const [key, limit] of counted) {
      const info = await store.get(key);
      if (info !== undefined && info.totalHits >= limit) {
        const resetMs = (info.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now();
        res.setHeader("Retry-After", String(Math.max(1, Math.ceil(resetMs / 1000))));
        next(
          new IngressError(
            "too_many_auth_failures",
            "too many failed authentications; retry later",
          ),
        );
        return;
      }
    }
    res.on("finish", () => {
      if (res.statusCode !== 401) return;
      for (const [key] of counted) void store.increment(key);
    });
    next();
  };
}
