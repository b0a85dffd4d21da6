import fc from "fast-check";
import { printable, utf8 } from "./generators.ts";

/* The envelope's text mutated as bytes: bits flipped, cut, keys duplicated, re-encoded. */

export type TextMutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "duplicateKey"; first: boolean; key: string; json: string }
  | { op: "bom" }
  | { op: "pad"; spaces: number }
  | { op: "trailing"; text: string }
  | { op: "utf16" }
  | { op: "latin1" };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({
    op: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(printable(10, 1), fc.constantFrom("\u0000", "\ud800", "\\u0000", '"', "}", ",")),
  }),
  fc.record({
    op: fc.constant("duplicateKey" as const),
    first: fc.boolean(),
    key: fc.constantFrom("event_type", "eventType", "operation", "payload", "__proto__"),
    json: fc.constantFrom(
      '"PNR_V3"',
      '"FLIGHT_CANCELLED"',
      "null",
      "{}",
      "[]",
      "1",
      '{"__proto__":{"x":1}}',
    ),
  }),
  fc.constant({ op: "bom" as const }),
  fc.record({ op: fc.constant("pad" as const), spaces: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ op: fc.constant("trailing" as const), text: printable(20, 1) }),
  fc.constant({ op: "utf16" as const }),
  fc.constant({ op: "latin1" as const }),
);

export function mutateText(text: string, mutations: TextMutation[]): Buffer {
  let bytes = utf8(text);
  for (const m of mutations) {
    const at = (n: number) => (bytes.length === 0 ? 0 : n % bytes.length);
    switch (m.op) {
      case "flip": {
        if (bytes.length === 0) break;
        bytes = Buffer.from(bytes);
        const i = at(m.at);
        bytes[i] = (bytes[i] ?? 0) ^ (1 << m.bit);
        break;
      }
      case "truncate":
        bytes = bytes.subarray(0, at(m.at));
        break;
      case "insert": {
        const i = at(m.at);
        bytes = Buffer.concat([bytes.subarray(0, i), utf8(m.text), bytes.subarray(i)]);
        break;
      }
      case "duplicateKey": {
        const s = bytes.toString("utf8");
        const pair = `"${m.key}":${m.json}`;
        const out = m.first ? s.replace(/^\s*\{/, `{${pair},`) : s.replace(/\}\s*$/, `,${pair}}`);
        bytes = utf8(out);
        break;
      }
      case "bom":
        bytes = Buffer.concat([utf8("\ufeff"), bytes]);
        break;
      case "pad":
        bytes = Buffer.concat([utf8(" ".repeat(m.spaces)), bytes, utf8("\n".repeat(m.spaces))]);
        break;
      case "trailing":
        bytes = Buffer.concat([bytes, utf8(m.text)]);
        break;
      case "utf16":
        bytes = Buffer.from(bytes.toString("utf8"), "utf16le");
        break;
      case "latin1":
        bytes = Buffer.from(bytes.toString("utf8"), "latin1");
        break;
    }
  }
  return bytes;
}
