import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { weakSecretReason } from "./secret-strength.ts";

describe("weakSecretReason", () => {
  it("lets generated secrets pass", () => {
    for (let i = 0; i < 200; i++) {
      expect(weakSecretReason(randomBytes(16).toString("hex"), 32)).toBeUndefined();
      expect(weakSecretReason(randomBytes(24).toString("base64"), 32)).toBeUndefined();
      expect(weakSecretReason(randomBytes(48).toString("base64url"), 32)).toBeUndefined();
    }
  });

  it("refuses a value shorter than the minimum", () => {
    expect(weakSecretReason(randomBytes(15).toString("hex"), 32)).toBe(
      "shorter than 32 characters",
    );
  });

  it("refuses the placeholders this repository ships", () => {
    for (const value of [
      "replace-with-a-long-random-secret",
      "replace-with-at-least-32-random-characters-please",
      "skyhook-dev-secret-skyhook-dev-secret",
      "CHANGEME-0123456789-abcdefghijklmnop",
    ])
      expect(weakSecretReason(value, 16), value).toMatch(/placeholder/);
  });

  it("refuses repeated and sequential values that are long enough", () => {
    for (const value of [
      "a".repeat(40),
      "abcd".repeat(10),
      "abcdefghijklmnopqrstuvwxyz0123456789",
      "0123456789012345678901234567890123456789",
      "qqqqwwwweeeerrrrttttyyyyuuuuiiii",
    ])
      expect(weakSecretReason(value, 32), value).toMatch(/predictable/);
  });
});
