import {
  type CommonConfig,
  CommonEnv,
  ConfigError,
  commonConfigOf,
  envBool,
  envInt,
  envPort,
  loadConfig,
  withSecretFiles,
} from "@skyhook/service-kit";
import { z } from "zod";
import {
  type AuthSettings,
  authSettingsOf,
  DashboardAuthEnv,
  type DevCredentialName,
  devCredentials,
} from "./auth/auth-config.ts";
import type { DashboardAuth } from "./auth/authenticate.ts";
import type { TrustProxy } from "./trust-proxy.ts";

export type { TrustProxy };
export { devCredentials };

/**
 * Where the board is mounted. Trailing slashes are dropped so `/ops/queues/` and `/ops/queues`
 * mount the same way; only the root keeps its slash.
 */
const BasePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)*\/*$/, "a path such as / or /ops/queues (letters, digits, . _ ~ -)")
  .transform((path) => path.replace(/\/+$/, "") || "/");

/** An IANA zone the browser's Intl understands, e.g. `UTC`, `Europe/Berlin`. */
const TimeZone = z.preprocess(
  (v) => (v === "" || v === undefined ? "UTC" : v),
  z.string().refine((zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "an IANA time zone such as UTC or Europe/Berlin"),
);

/** Every variable the dashboard reads (deployment tests check manifests against its keys). */
export const DashboardEnv = CommonEnv.extend({
  PORT: envPort(3001),
  HOST: z.string().default("0.0.0.0"),
  ...DashboardAuthEnv.shape,
  DASHBOARD_READ_ONLY: envBool(false),
  DASHBOARD_BASE_PATH: z.preprocess((v) => (v === "" ? undefined : v), BasePath.default("/")),
  DASHBOARD_HTTPS_ONLY: envBool(false),
  DASHBOARD_REFRESH_MS: envInt(10_000, 100),
  DASHBOARD_TIME_ZONE: TimeZone,
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
});

export type DashboardConfig = CommonConfig & {
  port: number;
  host: string;
  /** Built-in users (with the failed-login limit) or the SSO proxy's header. */
  auth: DashboardAuth;
  /** DASHBOARD_READ_ONLY: everyone is a viewer. */
  readOnly: boolean;
  basePath: string;
  /** HSTS and `upgrade-insecure-requests` on every response, not only on requests over TLS. */
  httpsOnly: boolean;
  trustProxy: TrustProxy | undefined;
  /** How often the announced routes are re-read, so new operations' queues appear. */
  refreshMs: number;
  timeZone: string;
  shutdownTimeoutMs: number;
  /** Names of the development defaults in use, so start-up can say so loudly. */
  devDefaultsInUse: DevCredentialName[];
};

export function loadDashboardConfig(env: NodeJS.ProcessEnv): DashboardConfig {
  const isProduction = env.NODE_ENV === "production";
  // Judged on its own variables first, so its problems are reported with any schema problem.
  // Login secrets may come from <NAME>_FILE like every secret: read before they are judged.
  const authEnv = DashboardAuthEnv.safeParse(withSecretFiles(env).env);
  const auth: AuthSettings = authEnv.success
    ? authSettingsOf(authEnv.data, isProduction)
    : { ok: false, problems: [] };
  const e = loadConfig(DashboardEnv, env, auth.ok ? [] : auth.problems);
  // Unreachable: loadConfig has thrown for whatever made the settings fail. It narrows the type.
  if (!auth.ok) throw new ConfigError(auth.problems);

  return {
    ...commonConfigOf(e),
    port: e.PORT,
    host: e.HOST,
    auth: auth.auth,
    readOnly: e.DASHBOARD_READ_ONLY,
    basePath: e.DASHBOARD_BASE_PATH,
    httpsOnly: e.DASHBOARD_HTTPS_ONLY,
    trustProxy: e.DASHBOARD_TRUST_PROXY,
    refreshMs: e.DASHBOARD_REFRESH_MS,
    timeZone: e.DASHBOARD_TIME_ZONE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    devDefaultsInUse: auth.devDefaultsInUse,
  };
}
