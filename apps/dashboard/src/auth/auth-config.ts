import { readFileSync } from "node:fs";
import { envInt, envString, weakPasswordReason } from "@skyhook/service-kit";
import { z } from "zod";
import { DashboardTrustProxy } from "../trust-proxy.ts";
import type { DashboardAuth } from "./authenticate.ts";
import { Role } from "./identity.ts";
import { type PasswordUser, parseUsersFile, UserName } from "./users-file.ts";

export const devCredentials = {
  DASHBOARD_USER: "admin",
  DASHBOARD_PASSWORD: "skyhook-dev-dashboard",
} as const;

const HeaderName = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "an HTTP header name")
    .transform((name) => name.toLowerCase()),
);

/** A comma-separated list; unset stays undefined, so "no list" and "an empty list" differ. */
const GroupList = z.preprocess(
  (v) => (v === "" ? undefined : v),
  z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((group) => group.trim())
        .filter((group) => group !== ""),
    )
    .optional(),
);

/** The variables that decide who signs in (part of DashboardEnv). */
export const DashboardAuthEnv = z.object({
  DASHBOARD_AUTH: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["basic", "proxy"]).default("basic"),
  ),
  DASHBOARD_USERS_FILE: envString(),
  DASHBOARD_USER: envString(),
  DASHBOARD_PASSWORD: envString(),
  DASHBOARD_USER_ROLE: z.preprocess((v) => (v === "" ? undefined : v), Role.default("operator")),
  DASHBOARD_LOGIN_FAILURES_PER_ADDRESS: envInt(10, 1),
  DASHBOARD_LOGIN_FAILURE_WINDOW_SEC: envInt(900, 1),
  DASHBOARD_PROXY_USER_HEADER: HeaderName.default("x-forwarded-user"),
  DASHBOARD_PROXY_GROUPS_HEADER: HeaderName.default("x-forwarded-groups"),
  DASHBOARD_PROXY_OPERATOR_GROUPS: GroupList,
  DASHBOARD_PROXY_VIEWER_GROUPS: GroupList,
  DASHBOARD_TRUST_PROXY: DashboardTrustProxy,
});
export type DashboardAuthEnv = z.infer<typeof DashboardAuthEnv>;

export type DevCredentialName = keyof typeof devCredentials;

export type AuthSettings =
  | { ok: true; auth: DashboardAuth; devDefaultsInUse: DevCredentialName[] }
  | { ok: false; problems: string[] };

function proxyAuthOf(e: DashboardAuthEnv): AuthSettings {
  const problems: string[] = [];
  // A hop count or `true` trusts whoever connects: then anyone could name themselves.
  if (typeof e.DASHBOARD_TRUST_PROXY !== "string")
    problems.push(
      "DASHBOARD_TRUST_PROXY: DASHBOARD_AUTH=proxy believes the user header only from the proxy's own addresses: give them (e.g. 10.0.0.7 or 10.0.0.0/24), not true or a hop count",
    );
  for (const name of ["DASHBOARD_USERS_FILE", "DASHBOARD_USER", "DASHBOARD_PASSWORD"] as const)
    if (e[name] !== undefined)
      problems.push(
        `${name}: not used with DASHBOARD_AUTH=proxy (the proxy signs people in); remove it`,
      );
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    devDefaultsInUse: [],
    auth: {
      mode: "proxy",
      userHeader: e.DASHBOARD_PROXY_USER_HEADER,
      groupsHeader: e.DASHBOARD_PROXY_GROUPS_HEADER,
      operatorGroups: e.DASHBOARD_PROXY_OPERATOR_GROUPS ?? [],
      viewerGroups: e.DASHBOARD_PROXY_VIEWER_GROUPS,
    },
  };
}

function fileUsersOf(
  path: string,
  isProduction: boolean,
): { users: PasswordUser[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    return { users: [], problems: [`DASHBOARD_USERS_FILE: cannot read ${path} (${code})`] };
  }
  const parsed = parseUsersFile(text, isProduction);
  return parsed.ok
    ? { users: parsed.users, problems: [] }
    : { users: [], problems: parsed.problems.map((p) => `DASHBOARD_USERS_FILE: ${p}`) };
}

/**
 * Built-in users: those of DASHBOARD_USERS_FILE, plus DASHBOARD_USER / DASHBOARD_PASSWORD as
 * one more user (role DASHBOARD_USER_ROLE, operator by default, as before roles existed).
 * With neither, the development login outside production; in production a password must pass
 * the production secret rule and a hash must carry production work.
 */
function basicAuthOf(e: DashboardAuthEnv, isProduction: boolean): AuthSettings {
  const file =
    e.DASHBOARD_USERS_FILE === undefined
      ? undefined
      : fileUsersOf(e.DASHBOARD_USERS_FILE, isProduction);
  const problems = [...(file?.problems ?? [])];
  const users = [...(file?.users ?? [])];
  const devDefaultsInUse: DevCredentialName[] = [];
  if (file === undefined || e.DASHBOARD_USER !== undefined || e.DASHBOARD_PASSWORD !== undefined) {
    const given = (name: DevCredentialName): string => {
      const value = e[name];
      if (value === undefined && isProduction)
        problems.push(`${name}: required when NODE_ENV=production (or give DASHBOARD_USERS_FILE)`);
      else if (value === devCredentials[name] && isProduction)
        problems.push(`${name}: the development default is refused when NODE_ENV=production`);
      if (value !== undefined) return value;
      devDefaultsInUse.push(name);
      return devCredentials[name];
    };
    const name = given("DASHBOARD_USER");
    const password = given("DASHBOARD_PASSWORD");
    const weak =
      isProduction && password !== devCredentials.DASHBOARD_PASSWORD
        ? weakPasswordReason(password)
        : undefined;
    if (weak !== undefined) problems.push(`DASHBOARD_PASSWORD: ${weak} (NODE_ENV=production)`);
    const validName = UserName.safeParse(name);
    if (!validName.success)
      problems.push(`DASHBOARD_USER: ${validName.error.issues[0]?.message ?? "not a user name"}`);
    if (users.some((user) => user.name === name))
      problems.push(`DASHBOARD_USER: ${name} is also in DASHBOARD_USERS_FILE; give each user once`);
    users.push({ name, role: e.DASHBOARD_USER_ROLE, secret: { kind: "plain", password } });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    devDefaultsInUse,
    auth: {
      mode: "basic",
      users,
      loginLimits: {
        perAddress: e.DASHBOARD_LOGIN_FAILURES_PER_ADDRESS,
        windowSec: e.DASHBOARD_LOGIN_FAILURE_WINDOW_SEC,
      },
    },
  };
}

export function authSettingsOf(e: DashboardAuthEnv, isProduction: boolean): AuthSettings {
  return e.DASHBOARD_AUTH === "proxy" ? proxyAuthOf(e) : basicAuthOf(e, isProduction);
}
