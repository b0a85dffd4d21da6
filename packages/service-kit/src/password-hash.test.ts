import { describe, expect, it } from "vitest";
import {
  formatPasswordHash,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
  weakPasswordHashReason,
} from "./password-hash.ts";

const fast = { logN: 10, r: 8, p: 1 };

/** RFC 7914 section 12, the third vector: "password", salt "NaCl", N=1024, r=8, p=16. */
const rfc7914 = formatPasswordHash({
  logN: 10,
  r: 8,
  p: 16,
  salt: Buffer.from("NaCl"),
  key: Buffer.from(
    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    "hex",
  ),
});

const parsed = (text: string) => {
  const result = parsePasswordHash(text);
  if (!result.ok) throw new Error(result.reason);
  return result.hash;
};

describe("password hashes", () => {
  it("verifies RFC 7914's published scrypt vector written as a PHC string", async () => {
    expect(rfc7914).toBe(
      "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA",
    );
    expect(await verifyPassword("password", parsed(rfc7914))).toBe(true);
    expect(await verifyPassword("Password", parsed(rfc7914))).toBe(false);
  });

  it("hashes with a fresh salt each time, and verifies only the same password", async () => {
    const [a, b] = await Promise.all([
      hashPassword("s3cret pass", fast),
      hashPassword("s3cret pass", fast),
    ]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("s3cret pass", parsed(a))).toBe(true);
    expect(await verifyPassword("s3cret pas", parsed(a))).toBe(false);
  });

  it("treats a password typed in either Unicode normal form as the same password", async () => {
    const hash = parsed(await hashPassword("caf\u00e9", fast));
    expect(await verifyPassword("cafe\u0301", hash)).toBe(true);
  });

  it("hashes by default with at least the work production requires", async () => {
    const hash = parsed(await hashPassword("x"));
    expect(weakPasswordHashReason(hash)).toBeUndefined();
    expect(hash).toMatchObject({ logN: 15, r: 8, p: 4 });
  });

  it.each([
    [`$scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$${"A".repeat(43)}`, /too little work/],
    [`$scrypt$ln=17,r=4,p=1$c2FsdHNhbHRzYWx0c2FsdA$${"A".repeat(43)}`, /r is below 8/],
    [`$scrypt$ln=17,r=8,p=1$c2FsdA$${"A".repeat(43)}`, /salt/],
    [`$scrypt$ln=17,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$${"A".repeat(22)}`, /key/],
  ])("calls %s too weak for production", (text, reason) => {
    expect(weakPasswordHashReason(parsed(text))).toMatch(reason);
  });

  it.each([
    ["plain text", "hunter2"],
    ["another algorithm", "$2b$12$abcdefghijklmnopqrstuu"],
    ["a missing key", "$scrypt$ln=15,r=8,p=4$c2FsdA"],
    ["a zero parameter", `$scrypt$ln=15,r=8,p=0$c2FsdA$${"A".repeat(43)}`],
    ["memory no login may take", `$scrypt$ln=22,r=8,p=1$c2FsdA$${"A".repeat(43)}`],
  ])("refuses %s, without repeating it", (_label, text) => {
    const result = parsePasswordHash(text);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(text);
  });
});
