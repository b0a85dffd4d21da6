import { isIPv4, isIPv6 } from "node:net";
import type { AuthFailureCounter } from "@skyhook/queue-kit";
import type { Request, Response } from "express";
import { IngressError } from "../errors.ts";

export type FailureLimits = { perAddress: number; perClientAddress: number; windowSec: number };

export type FailureLimiter = {
  /**
   * Counts one failed authentication of `req` and resolves to the 429 to answer instead of
   * its 401 once its address, or its claimed client from that address, is over the limit.
   * Only failures reach it: a request whose credentials verify is never counted nor refused.
   */
  failed(req: Request, res: Response, claimedClient: string): Promise<IngressError | undefined>;
};

/** No client named: such a failure counts for its address only. */
export const noClaimedClient = "-";

/**
 * One IPv6 holder usually has a whole /64 or more, so counting per address would let it rotate
 * through them: IPv6 is counted per /56. IPv4-mapped IPv6 counts as the IPv4 address.
 */
export function addressKey(ip: string | undefined): string {
  if (ip === undefined || ip === "") return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  const [head = "", tail] = ip.split("%", 1)[0]?.split("::") ?? [];
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"),
          ...tailGroups,
        ];
  const hex = groups.slice(0, 4).map((g) => Number.parseInt(g, 16) || 0);
  const [a = 0, b = 0, c = 0, d = 0] = hex;
  return [a, b, c, d & 0xff00]
    .map((n) => n.toString(16))
    .join(":")
    .concat("::/56");
}

/**
 * Failed authentications are counted in Redis, so every replica and both routes (token and
 * delivery) share one count per address and per (claimed client, address). A request is
 * judged on its own credentials first; the count only decides whether a failure is answered
 * 401 or 429. There is deliberately no limit per client alone: anyone could then lock
 * Spotnana's own client out by guessing its secret from elsewhere.
 *
 * Authentication never depends on Redis: when a count cannot be made (Redis down or slow past
 * the connection's command timeout) the failure is answered 401 and counts nothing.
 */
export function createFailureLimiter(deps: {
  counter: AuthFailureCounter;
  limits: FailureLimits;
}): FailureLimiter {
  const windowMs = deps.limits.windowSec * 1000;
  return {
    async failed(req, res, claimedClient) {
      const address = addressKey(req.ip);
      const byAddress = { scope: "address" as const, id: address, limit: deps.limits.perAddress };
      const byClient = {
        scope: "client" as const,
        id: `${address}|${claimedClient}`,
        limit: deps.limits.perClientAddress,
      };
      const count = async (c: typeof byAddress | typeof byClient) => ({
        ...(await deps.counter.count(c.scope, c.id, windowMs)),
        limit: c.limit,
      });
      let over: { count: number; resetMs: number; limit: number } | undefined;
      try {
        const first = await count(byAddress);
        // Past its address limit, a sender's invented client ids create no further keys: what
        // one address can make Redis hold per window is bounded by the address limit.
        if (first.count > first.limit) over = first;
        else if (claimedClient !== noClaimedClient) {
          const second = await count(byClient);
          if (second.count > second.limit) over = second;
        }
      } catch {
        // The connection reports its own errors and /readyz says Redis is down; one log line
        // per uncounted failure would double every refusal's line during an outage.
        return undefined;
      }
      if (over === undefined) return undefined;
      const resetMs = over.resetMs;
      res.removeHeader("WWW-Authenticate");
      res.setHeader("Retry-After", String(Math.max(1, Math.ceil(resetMs / 1000))));
      return new IngressError(
        "too_many_auth_failures",
        "too many failed authentications; retry later",
      );
    },
  };
}
