import {
  type CommonConfig,
  CommonEnv,
  commonConfigOf,
  envBool,
  envInt,
  envPort,
  envString,
  envValue,
  loadConfig,
  refuseDevDefaults,
} from "@skyhook/service-kit";
import { z } from "zod";

export const devCredentials = {
  DASHBOARD_USER: "admin",
  DASHBOARD_PASSWORD: "skyhook-dev-dashboard",
} as const;

const minProductionPasswordLength = 12;

/**
 * Where the board is mounted. Trailing slashes are dropped so `/ops/queues/` and `/ops/queues`
 * mount the same way; only the root keeps its slash.
 */
const BasePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)*\/*$/, "a path such as / or /ops/queues (letters, digits, . _ ~ -)")
  .transform((path) => path.replace(/\/+$/, "") || "/");

const DashboardEnv = CommonEnv.extend({
  PORT: envPort(3001),
  HOST: z.string().default("0.0.0.0"),
  DASHBOARD_USER: envString(),
  DASHBOARD_PASSWORD: envString(),
  DASHBOARD_READ_ONLY: envBool(false),
  DASHBOARD_BASE_PATH: z.preprocess((v) => (v === "" ? undefined : v), BasePath.default("/")),
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
});

export type DashboardConfig = CommonConfig & {
  port: number;
  host: string;
  credentials: { user: string; password: string };
  readOnly: boolean;
  basePath: string;
  shutdownTimeoutMs: number;
  /** Names of the development defaults in use, so start-up can say so loudly. */
  devDefaultsInUse: (keyof typeof devCredentials)[];
};

export function loadDashboardConfig(env: NodeJS.ProcessEnv): DashboardConfig {
  const isProduction = env.NODE_ENV === "production";
  const password = envValue(env, "DASHBOARD_PASSWORD");
  // Checked on the raw environment so they are reported together with any schema problem.
  const problems = refuseDevDefaults(
    isProduction,
    { DASHBOARD_USER: envValue(env, "DASHBOARD_USER"), DASHBOARD_PASSWORD: password },
    devCredentials,
  );
  // Basic auth has no lockout, so in production the password is the only brake on guessing.
  if (isProduction && password !== undefined && password.length < minProductionPasswordLength) {
    problems.push(
      `DASHBOARD_PASSWORD: at least ${minProductionPasswordLength} characters when NODE_ENV=production`,
    );
  }
  const e = loadConfig(DashboardEnv, env, problems);

  const devDefaultsInUse: (keyof typeof devCredentials)[] = [];
  const orDev = (name: keyof typeof devCredentials, value: string | undefined): string => {
    if (value !== undefined) return value;
    devDefaultsInUse.push(name);
    return devCredentials[name];
  };

  return {
    ...commonConfigOf(e),
    port: e.PORT,
    host: e.HOST,
    credentials: {
      user: orDev("DASHBOARD_USER", e.DASHBOARD_USER),
      password: orDev("DASHBOARD_PASSWORD", e.DASHBOARD_PASSWORD),
    },
    readOnly: e.DASHBOARD_READ_ONLY,
    basePath: e.DASHBOARD_BASE_PATH,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    devDefaultsInUse,
  };
}
