import { createHash, timingSafeEqual } from "node:crypto";
import parseBasicAuth from "basic-auth";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";

export type Credentials = { user: string; password: string };

export const dashboardRealm = "skyhook-dashboard";

/** Hashing both sides first gives equal-length inputs, so timingSafeEqual never leaks length. */
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

function refuse(res: Response, message: string): void {
  res.setHeader("WWW-Authenticate", `Basic realm="${dashboardRealm}"`);
  res.status(401).json({ error: { code: "unauthorized", message } });
}

/**
 * HTTP Basic authentication for the whole dashboard. The user name and the password are both
 * compared, always, in constant time, so the response time says nothing about which was wrong.
 */
export function requireBasicAuth(credentials: Credentials, logger: Logger) {
  const expectedUser = digest(credentials.user);
  const expectedPassword = digest(credentials.password);
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = parseBasicAuth(req);
    if (given === undefined) {
      // Browsers send one anonymous request before prompting, so this is routine, not an alarm.
      logger.debug({ method: req.method, path: req.path }, "dashboard request without credentials");
      refuse(res, "HTTP Basic credentials are required");
      return;
    }
    const userMatches = timingSafeEqual(digest(given.name), expectedUser);
    const passwordMatches = timingSafeEqual(digest(given.pass), expectedPassword);
    if (!(userMatches && passwordMatches)) {
      // The attempted user name is not logged: people type passwords into the wrong field.
      logger.warn({ ip: req.ip, method: req.method, path: req.path }, "dashboard login refused");
      refuse(res, "invalid user name or password");
      return;
    }
    next();
  };
}
