import fc from "fast-check";
import { routingValue } from "./bodies.ts";

/* A valid envelope mutated as JSON: fields deleted, replaced, retyped, nested, made huge. */

const jsonPath = fc.array(fc.nat(), { minLength: 1, maxLength: 6 });

type JsonMutation =
  | { op: "delete"; at: number[] }
  | { op: "replace"; at: number[]; value: unknown }
  | { op: "retype"; at: number[]; to: "string" | "number" | "array" | "object" | "null" | "bool" }
  | { op: "routing"; field: string; value: unknown }
  | { op: "hostileKey"; at: number[]; key: string; value: unknown }
  | { op: "nest"; at: number[]; depth: number; shape: "array" | "object" }
  | { op: "huge"; at: number[]; length: number; char: string };

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: jsonPath }),
  fc.record({
    op: fc.constant("replace" as const),
    at: jsonPath,
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), routingValue),
  }),
  fc.record({
    op: fc.constant("retype" as const),
    at: jsonPath,
    to: fc.constantFrom("string", "number", "array", "object", "null", "bool"),
  }),
  fc.record({
    op: fc.constant("routing" as const),
    field: fc.constantFrom(
      "event_type",
      "eventType",
      "operation",
      "payload",
      "timestamp",
      "operationSummary",
    ),
    value: fc.oneof(routingValue, fc.constant(undefined)),
  }),
  fc.record({
    op: fc.constant("hostileKey" as const),
    at: fc.array(fc.nat(), { maxLength: 4 }),
    key: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", ""),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant({ polluted: true }),
      fc.constant({ prototype: { polluted: true } }),
    ),
  }),
  fc.record({
    op: fc.constant("nest" as const),
    at: fc.array(fc.nat(), { maxLength: 4 }),
    depth: fc.oneof(
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom(1_000, 3_000, 5_000, 10_000, 20_000, 30_000),
    ),
    shape: fc.constantFrom("array", "object"),
  }),
  fc.record({
    op: fc.constant("huge" as const),
    at: jsonPath,
    length: fc.oneof(fc.integer({ min: 100, max: 10_000 }), fc.constantFrom(60_000, 70_000)),
    char: fc.constantFrom("x", "é", "💥", "\u0000", '"', "\\"),
  }),
);

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;
const childKeys = (v: unknown): Array<string | number> =>
  Array.isArray(v) ? v.map((_, i) => i) : isContainer(v) ? Object.keys(v) : [];
const childOf = (parent: Container, key: string | number): unknown =>
  Array.isArray(parent) ? parent[Number(key)] : parent[String(key)];
/** defineProperty, so that `__proto__` becomes an own key that JSON.stringify writes out. */
function setChild(parent: Container, key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else
    Object.defineProperty(parent, String(key), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

/** Walks `at` as child indices (modulo the number of children); the last step is the target. */
function locate(root: Container, at: number[]): { parent: Container; key: string | number } {
  let parent = root;
  let keys = childKeys(parent);
  let key: string | number = keys[(at[0] ?? 0) % Math.max(1, keys.length)] ?? "added";
  for (const step of at.slice(1)) {
    const child = childOf(parent, key);
    keys = childKeys(child);
    if (!isContainer(child) || keys.length === 0) break;
    parent = child;
    key = keys[step % keys.length] ?? 0;
  }
  return { parent, key };
}

const retyped = (value: unknown, to: string): unknown => {
  switch (to) {
    case "string":
      return JSON.stringify(value) ?? "";
    case "number":
      return typeof value === "string" ? value.length : 42;
    case "array":
      return [value];
    case "object":
      return { value };
    case "bool":
      return Boolean(value);
    default:
      return null;
  }
};

/** Mutates a copy of `value`; deep nests become markers replaced in the text (no recursion). */
export function mutateJson(value: object, mutations: JsonMutation[]): string {
  const root = structuredClone(value) as Container;
  const nests = new Map<string, string>();
  for (const m of mutations) {
    if (m.op === "routing") {
      if (m.value === undefined) delete (root as Record<string, unknown>)[m.field];
      else setChild(root, m.field, structuredClone(m.value));
      continue;
    }
    const { parent, key } = locate(root, m.at);
    switch (m.op) {
      case "delete":
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[String(key)];
        break;
      case "replace":
        setChild(parent, key, structuredClone(m.value));
        break;
      case "retype":
        setChild(parent, key, retyped(childOf(parent, key), m.to));
        break;
      case "hostileKey": {
        const child = childOf(parent, key);
        setChild(
          isContainer(child) && !Array.isArray(child) ? child : parent,
          m.key,
          structuredClone(m.value),
        );
        break;
      }
      case "nest": {
        const marker = `\u0000nest-${nests.size}`;
        const nested =
          m.shape === "array"
            ? `${"[".repeat(m.depth)}${"]".repeat(m.depth)}`
            : `${'{"a":'.repeat(m.depth)}1${"}".repeat(m.depth)}`;
        nests.set(JSON.stringify(marker), nested);
        setChild(parent, key, marker);
        break;
      }
      case "huge":
        setChild(parent, key, m.char.repeat(m.length));
        break;
    }
  }
  let text = JSON.stringify(root) ?? "null";
  for (const [marker, nested] of nests) text = text.replace(marker, nested);
  return text;
}
