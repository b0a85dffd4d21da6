import type { NextFunction, Request, Response } from "express";

const reads = new Set(["GET", "HEAD"]);

/** The board's own origin as the browser sees it: scheme and host through DASHBOARD_TRUST_PROXY. */
function ownOrigin(req: Request): string | undefined {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return undefined;
  }
}

/** Why a write is not provably from the board's own pages, or undefined when it is. */
export function crossSiteReason(req: Request): string | undefined {
  const site = req.get("sec-fetch-site");
  if (site !== undefined)
    return site === "same-origin" ? undefined : "Sec-Fetch-Site says another site sent it";
  const origin = req.get("origin");
  if (origin === undefined) return "it carries neither Sec-Fetch-Site nor Origin";
  let given: string | undefined;
  try {
    given = new URL(origin).origin;
  } catch {
    given = undefined;
  }
  return given !== undefined && given === ownOrigin(req)
    ? undefined
    : "its Origin is not this dashboard's";
}

/**
 * Refuses every write (anything but GET and HEAD) that does not prove it came from the board's
 * own pages. A browser sends `Sec-Fetch-Site` with every request (current Chrome, Firefox,
 * Safari) and `Origin` with every cross-site POST, PUT, PATCH and DELETE, and a page cannot
 * forge either; without this, another site's form could make an operator's browser, which
 * replays Basic credentials on its own, act on the board. A script that writes to `/ops/api`
 * sends `Origin: <the board's address>` itself.
 */
export function refuseCrossSiteWrites() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (reads.has(req.method)) {
      next();
      return;
    }
    const reason = crossSiteReason(req);
    if (reason === undefined) {
      next();
      return;
    }
    res.status(403).json({
      error: {
        code: "cross_site_write",
        message: `refused: ${reason}; writes are accepted only from the dashboard's own pages`,
      },
    });
  };
}
