import express from "express";
import { z } from "zod";

/** Express `trust proxy`: `true`/`false`, a hop count, or addresses and subnets. */
export type TrustProxy = boolean | number | string;

/**
 * DASHBOARD_TRUST_PROXY, read as Express reads it and handed to Express once here, so an
 * address it cannot parse is reported by name at start-up rather than as a stack trace from
 * the app.
 */
export const DashboardTrustProxy = z.preprocess(
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
