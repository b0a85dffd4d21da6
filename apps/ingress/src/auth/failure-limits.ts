import { type AuthFailureCounter, addressKey } from "@skyhook/queue-kit";
import type { Request, Response } from "express";
import { IngressError } from "../errors.ts";

export type FailureLimits = { perAddress: number; perClientAddress: number; windowSec: number };

export type FailureLimiter = {
  /**
   * Before a token request is judged: the 429 to answer instead, without judging its
   * credentials, while its claimed client is over the limit from its address. One Redis read.
   */
  refusedUnjudged(
    req: Request,
    res: Response,
    claimedClient: string,
  ): Promise<IngressError | undefined>;
  /**
   * Counts one failed authentication of `req` and resolves to the 429 to answer instead of
   * its 401 once its address, or its claimed client from that address, is over the limit.
   * Only failures reach it: a request whose credentials verify is never counted nor refused.
   * `configuredClient`: the claimed client exists, so its count is kept even past the address
   * limit (otherwise guesses at it would go uncounted there).
   */
  failed(
    req: Request,
    res: Response,
    claimedClient: string,
    options?: { configuredClient?: boolean },
  ): Promise<IngressError | undefined>;
  /**
   * Runs `judge` once no other request of this process claiming the same client from the same
   * address is being judged: without it, guesses sent all at once would all be judged before
   * the first failure was counted.
   */
  inTurn<T>(req: Request, claimedClient: string, judge: () => Promise<T>): Promise<T>;
};

/** No client named: such a failure counts for its address only. */
export const noClaimedClient = "-";

/** Seconds until a window that ends in `resetMs` is over, as `Retry-After` states them. */
const secondsLeft = (resetMs: number) => String(Math.max(1, Math.ceil(resetMs / 1000)));

function tooMany(res: Response, resetMs: number): IngressError {
  res.removeHeader("WWW-Authenticate");
  res.setHeader("Retry-After", secondsLeft(resetMs));
  return new IngressError("too_many_auth_failures", "too many failed authentications; retry later");
}

/**
 * Failed authentications are counted in Redis, so every replica and both routes (token and
 * delivery) share one count per address and per (claimed client, address). There is
 * deliberately no limit per client alone: anyone could then lock Spotnana's own client out by
 * guessing its secret from elsewhere.
 *
 * A token request whose (claimed client, address) has reached its limit is not judged at all
 * until the window ends: a 429 that still judged would tell a guesser as much as a 401. The
 * address limit only bounds what one address can make Redis hold: past it, failures are
 * answered 429 and create no count for invented client ids. Nothing ever refuses another
 * client, or the same client from another address.
 *
 * Authentication never depends on Redis: when a count cannot be read or made (Redis down or
 * slow past the connection's command timeout) the request is judged, a failure is answered
 * 401 and counts nothing.
 */
export function createFailureLimiter(deps: {
  counter: AuthFailureCounter;
  limits: FailureLimits;
}): FailureLimiter {
  const windowMs = deps.limits.windowSec * 1000;
  const clientKey = (req: Request, claimedClient: string) =>
    `${addressKey(req.ip)}|${claimedClient}`;
  const turns = new Map<string, Promise<unknown>>();
  return {
    async refusedUnjudged(req, res, claimedClient) {
      if (claimedClient === noClaimedClient) return undefined;
      try {
        const seen = await deps.counter.peek("client", clientKey(req, claimedClient));
        if (seen.count < deps.limits.perClientAddress || seen.resetMs <= 0) return undefined;
        return tooMany(res, seen.resetMs);
      } catch {
        // As for counting below: the connection reports its own errors.
        return undefined;
      }
    },

    async failed(req, res, claimedClient, options = {}) {
      const address = addressKey(req.ip);
      let over: { resetMs: number } | undefined;
      try {
        const byAddress = await deps.counter.count("address", address, windowMs);
        const addressOver = byAddress.count > deps.limits.perAddress;
        if (addressOver) over = byAddress;
        // Past its address limit, a sender's invented client ids create no further keys: what
        // one address can make Redis hold per window is bounded by the address limit (plus one
        // key per configured client).
        const counted =
          claimedClient !== noClaimedClient && (!addressOver || options.configuredClient === true);
        if (counted) {
          const byClient = await deps.counter.count(
            "client",
            clientKey(req, claimedClient),
            windowMs,
          );
          // The later end: a request claiming this client is not judged again before it.
          if (
            byClient.count > deps.limits.perClientAddress &&
            byClient.resetMs > (over?.resetMs ?? 0)
          )
            over = byClient;
        }
      } catch {
        // The connection reports its own errors and /readyz says Redis is down; one log line
        // per uncounted failure would double every refusal's line during an outage.
        return undefined;
      }
      return over === undefined ? undefined : tooMany(res, over.resetMs);
    },

    async inTurn(req, claimedClient, judge) {
      if (claimedClient === noClaimedClient) return judge();
      const key = clientKey(req, claimedClient);
      const before = turns.get(key);
      const mine = (before ?? Promise.resolve()).then(judge, judge);
      const settled = mine.then(
        () => undefined,
        () => undefined,
      );
      turns.set(key, settled);
      try {
        return await mine;
      } finally {
        if (turns.get(key) === settled) turns.delete(key);
      }
    },
  };
}
