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
import express from "express";
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

/** Express `trust proxy`: `true`/`false`, a hop count, or addresses and subnets. */
export type TrustProxy = boolean | number | string;

/**
 * Read as Express reads it, and handed to Express once here, so an address it cannot parse is
 * reported by name at start-up rather than as a stack trace from the app.
 */
const DashboardTrustProxy = z.preprocess(
  (v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined),
  z
    .string()
    .optional()
    .transform((value, ctx): TrustProxy | undefined => {
      if (value === undefined) return undefined;
      const parsed: TrustProxy =
        value === "true" || value === "false"
          ? value === "true"
          : /^\d+$/.test(value)
            ? Number(value)
            : value;
      try {
        express().set("trust proxy", parsed);
      } catch {
        ctx.addIssue({
          code: "custom",
          message:
            "true, false, a hop count, or comma-separated addresses/subnets (loopback, 10.0.0.0/8, …)",
        });
      }
      return parsed;
    }),
);

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
  DASHBOARD_USER: envString(),
  DASHBOARD_PASSWORD: envString(),
  DASHBOARD_READ_ONLY: envBool(false),
  DASHBOARD_BASE_PATH: z.preprocess((v) => (v === "" ? undefined : v), BasePath.default("/")),
  DASHBOARD_HTTPS_ONLY: envBool(false),
  DASHBOARD_TRUST_PROXY: DashboardTrustProxy,
  DASHBOARD_REFRESH_MS: envInt(10_000, 100),
  DASHBOARD_TIME_ZONE: TimeZone,
  SHUTDOWN_TIMEOUT_MS: envInt(10_000, 100),
});

export type DashboardConfig = CommonConfig & {
  port: number;
  host: string;
  credentials: { user: string; password: string };
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
    httpsOnly: e.DASHBOARD_HTTPS_ONLY,
    trustProxy: e.DASHBOARD_TRUST_PROXY,
    refreshMs: e.DASHBOARD_REFRESH_MS,
    timeZone: e.DASHBOARD_TIME_ZONE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    devDefaultsInUse,
  };
}
