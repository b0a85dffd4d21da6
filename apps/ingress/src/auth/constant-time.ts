import { createHash, timingSafeEqual } from "node:crypto";

/** Hashing both sides first gives equal-length inputs, so timingSafeEqual never leaks length. */
export const digestOf = (value: string): Buffer =>
  createHash("sha256").update(value, "utf8").digest();

export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digestOf(a), digestOf(b));
}

/**
 * True when every expected name/value is present in `actual`. Every pair is compared, so the
 * time taken does not tell which one differed.
 */
export function allMatch(
  expected: Readonly<Record<string, string>>,
  actual: (name: string) => unknown,
): boolean {
  let ok = true;
  for (const [name, value] of Object.entries(expected)) {
    const given = actual(name);
    ok =
      constantTimeEqual(typeof given === "string" ? given : "", value) &&
      typeof given === "string" &&
      ok;
  }
  return ok;
}
