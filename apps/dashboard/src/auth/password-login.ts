import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { addressKey } from "@skyhook/queue-kit";
import { type PasswordHash, verifyPassword } from "@skyhook/service-kit";
import parseBasicAuth from "basic-auth";
import type { Request } from "express";
import type { Logger } from "pino";
import type { AuthOutcome, Refusal } from "./identity.ts";
import type { LoginLimiter } from "./login-limiter.ts";
import { createRememberedLogins } from "./remembered-logins.ts";
import type { PasswordUser } from "./users-file.ts";

export const dashboardRealm = "skyhook-dashboard";

/** Hashing both sides first gives equal-length inputs, so timingSafeEqual never leaks length. */
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

const challenge = (message: string): Refusal => ({
  status: 401,
  code: "unauthorized",
  message,
  challenge: true,
});

/**
 * HTTP Basic login against the built-in users. An unknown user name is checked against a random
 * secret, hashed like the users file's when there is one, so the time to answer does not tell
 * which of the file's names exist. Failed logins are limited per client address (`limiter`).
 */
export function createPasswordLogin(deps: {
  users: readonly PasswordUser[];
  limiter: LoginLimiter;
  logger: Logger;
}): (req: Request) => Promise<AuthOutcome> {
  const byName = new Map(deps.users.map((user) => [user.name, user]));
  const hashed = deps.users.find((user) => user.secret.kind === "hash");
  const decoy: PasswordUser["secret"] =
    hashed?.secret.kind === "hash"
      ? { kind: "hash", hash: { ...hashed.secret.hash, salt: randomBytes(16) } }
      : { kind: "plain", password: randomBytes(32).toString("base64") };
  const remembered = createRememberedLogins({ ttlMs: 5 * 60_000, maxEntries: 1_000 });

  const verifyHash = async (name: string, password: string, hash: PasswordHash) => {
    if (remembered.has(name, password)) return true;
    const ok = await verifyPassword(password, hash);
    if (ok) remembered.add(name, password);
    return ok;
  };
  const matches = async (user: PasswordUser | undefined, name: string, password: string) => {
    const secret = user?.secret ?? decoy;
    const ok =
      secret.kind === "hash"
        ? await verifyHash(name, password, secret.hash)
        : timingSafeEqual(digest(password), digest(secret.password));
    return ok && user !== undefined;
  };

  return async (req) => {
    const given = parseBasicAuth(req);
    if (given === undefined) {
      // Browsers send one anonymous request before prompting, so this is routine, not an alarm.
      deps.logger.debug(
        { method: req.method, path: req.path },
        "dashboard request without credentials",
      );
      return { ok: false, refusal: challenge("HTTP Basic credentials are required") };
    }
    const user = byName.get(given.name);
    const result = await deps.limiter.attempt(addressKey(req.ip), () =>
      matches(user, given.name, given.pass),
    );
    if (!result.judged) {
      deps.logger.warn(
        { ip: req.ip, method: req.method, path: req.path, retryAfterSec: result.retryAfterSec },
        "dashboard login not judged: too many failed logins from this address",
      );
      return {
        ok: false,
        refusal: {
          status: 429,
          code: "too_many_failed_logins",
          message: "too many failed logins from this address; retry later",
          challenge: false,
          retryAfterSec: result.retryAfterSec,
        },
      };
    }
    if (!result.ok || user === undefined) {
      // The attempted user name is not logged: people type passwords into the wrong field.
      deps.logger.warn(
        { ip: req.ip, method: req.method, path: req.path },
        "dashboard login refused",
      );
      return { ok: false, refusal: challenge("invalid user name or password") };
    }
    return { ok: true, identity: { name: user.name, role: user.role, via: "password" } };
  };
}
