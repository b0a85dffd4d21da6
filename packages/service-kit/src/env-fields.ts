import { z } from "zod";

/** Environment values arrive as strings; an empty string means "not set". */
export const envString = () =>
  z.preprocess((v) => (v === "" ? undefined : v), z.string().trim().min(1).optional());

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? fallback : v),
    z.coerce.number().int().min(min).max(max),
  );

export const envPort = (fallback: number) => envInt(fallback, 1, 65_535);

export const envOptionalInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number().int().min(min).max(max).optional(),
  );

export const envBool = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? String(fallback) : String(v).toLowerCase()),
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .transform((v) => ["true", "1", "yes"].includes(v)),
  );
