import { describe, expect, it } from "vitest";
import { exceedsJsonDepth } from "./json-depth.ts";

const nested = (levels: number) => Buffer.from(`${"[".repeat(levels)}${"]".repeat(levels)}`);

describe("exceedsJsonDepth", () => {
  it("accepts nesting up to the limit and refuses one level more", () => {
    expect(exceedsJsonDepth(nested(64))).toBe(false);
    expect(exceedsJsonDepth(nested(65))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(`{"a":${"{".repeat(70)}`))).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ note: `${"[".repeat(500)} \\" {{{ "` });
    expect(exceedsJsonDepth(Buffer.from(text))).toBe(false);
  });

  it("counts depth, not the number of objects", () => {
    const wide = JSON.stringify({
      items: Array.from({ length: 5_000 }, (_, i) => ({ i, tags: [i] })),
    });
    expect(exceedsJsonDepth(Buffer.from(wide))).toBe(false);
  });

  it("counts brackets after a string that ends in an escaped backslash", () => {
    // `"\\"` is a string holding one backslash: the quote after it closes the string.
    const deep = `{"a":"\\\\",${"[".repeat(70)}`;
    expect(exceedsJsonDepth(Buffer.from(deep))).toBe(true);
    const shallow = `{"a":"\\\\","b":"${"[".repeat(70)}"}`;
    expect(exceedsJsonDepth(Buffer.from(shallow))).toBe(false);
  });

  it("keeps an escaped quote inside the string, whatever brackets follow it", () => {
    const text = `{"a":"x\\" ${"[".repeat(70)} \\"y"}`;
    expect(JSON.parse(text)).toEqual({ a: `x" ${"[".repeat(70)} "y` });
    expect(exceedsJsonDepth(Buffer.from(text))).toBe(false);
    // Three backslashes: an escaped backslash, then an escaped quote; the string goes on.
    const three = `{"a":"\\\\\\" ${"{".repeat(70)}"}`;
    expect(exceedsJsonDepth(Buffer.from(three))).toBe(false);
  });

  it("does not read \\u005b or \\u007b escapes, multi-byte or invalid UTF-8 as brackets", () => {
    const escaped = `{"a":"${"\\u005b\\u007b".repeat(70)}"}`;
    expect(exceedsJsonDepth(Buffer.from(escaped))).toBe(false);
    const multiByte = Buffer.from(`{"a":"${"€［｛".repeat(70)}"}`);
    expect(exceedsJsonDepth(multiByte)).toBe(false);
    const invalid = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x22, 0x5b, 0xe2, 0x82]),
      Buffer.from(`${"[".repeat(70)}`),
    ]);
    // 0xc3 0x22: a broken sequence, then a real quote that closes the string.
    expect(exceedsJsonDepth(invalid)).toBe(true);
  });

  it("treats an unterminated string as one string to the end", () => {
    expect(exceedsJsonDepth(Buffer.from(`{"a":"${"[".repeat(70)}`))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(`{"a":"x\\`))).toBe(false);
  });

  it("gives the byte-by-byte scan's answer for 20,000 generated bodies", () => {
    let seed = 20_260_301;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const alphabet = ["[", "]", "{", "}", '"', "\\", "a", ",", ":", " ", "é"];
    const differing: string[] = [];
    for (let n = 0; n < 20_000 && differing.length < 3; n++) {
      const length = Math.floor(next() * 200);
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const body = Buffer.from(text);
      for (const limit of [0, 1, 3, 8]) {
        if (exceedsJsonDepth(body, limit) !== byteByByte(body, limit))
          differing.push(`${limit} ${text}`);
      }
    }
    expect(differing).toEqual([]);
  });
});

/** The first scan, one byte at a time: the reference the faster one must agree with. */
function byteByByte(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > limit) return true;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
    }
  }
  return false;
}
