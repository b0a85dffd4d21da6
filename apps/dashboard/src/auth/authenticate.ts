import { keyNames, type RedisClient } from "@skyhook/queue-kit";
import type { Request } from "express";
import type { Logger } from "pino";
import type { AuthOutcome } from "./identity.ts";
import { createLoginLimiter, type LoginLimits } from "./login-limiter.ts";
import { createPasswordLogin } from "./password-login.ts";
import { createProxyLogin, type ProxyAuth } from "./proxy-login.ts";
import type { PasswordUser } from "./users-file.ts";

/** How people sign in: built-in users over HTTP Basic, or an SSO proxy's user header. */
export type DashboardAuth =
  | { mode: "basic"; users: readonly PasswordUser[]; loginLimits: LoginLimits }
  | ({ mode: "proxy" } & ProxyAuth);

export function createAuthenticate(
  auth: DashboardAuth,
  deps: {
    redis: RedisClient;
    prefix: string;
    isTrustedPeer: (address: string) => boolean;
    logger: Logger;
  },
): (req: Request) => Promise<AuthOutcome> {
  if (auth.mode === "proxy") return createProxyLogin(auth, deps);
  return createPasswordLogin({
    users: auth.users,
    limiter: createLoginLimiter({
      redis: deps.redis,
      keys: keyNames(deps.prefix),
      limits: auth.loginLimits,
      logger: deps.logger,
    }),
    logger: deps.logger,
  });
}
