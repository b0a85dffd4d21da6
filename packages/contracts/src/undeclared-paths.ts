import type { core, z } from "zod";

/**
 * How much of a payload one walk may look at. A payload is only descended where its schema
 * declares structure (an undeclared field is reported, never entered), so the schema bounds the
 * depth; what a hostile payload can still grow is the width — long arrays, many undeclared
 * keys, unions tried option by option — which `maxNodes` and `maxPaths` cap.
 */
export type DriftLimits = {
  /** Path segments below which nothing is looked at (recursive schemas). */
  maxDepth: number;
  /** Distinct findings reported per payload. */
  maxPaths: number;
  /** Schema-and-value pairs visited per payload, union options included. */
  maxNodes: number;
};

export const defaultDriftLimits: DriftLimits = { maxDepth: 16, maxPaths: 32, maxNodes: 2_000 };

/**
 * What a payload carries that its schema does not declare. Each finding is a path —
 * `airPnr.legs[].flights[].seatMap` (arrays as `[]`, record keys as `*`) — or, for a value an
 * enum or literal does not list, the path and the value: `bookingStatus=WAITLISTED`.
 * `truncated` says a limit stopped the walk, so more may be undeclared than listed.
 */
export type UndeclaredPaths = { paths: string[]; truncated: boolean };

/**
 * A key shown as it is only when it looks like a field name; any other (an e-mail address, a
 * free-text key, one longer than a name) is shown as `*`. Keys can be data, and travel data is
 * personal data; a field name is what an engineer needs to update a schema.
 */
const fieldName = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const segmentOf = (key: string) => (fieldName.test(key) ? key : "*");
/** An undeclared enum value is shown only when it looks like one (`WAITLISTED`), else as `?`. */
const enumValueLike = /^[A-Za-z0-9_.-]{1,64}$/;

type Walk = {
  limits: DriftLimits;
  /** Nodes left for the whole payload, shared by every union option tried. */
  budget: { nodes: number; truncated: boolean };
};

type Value = Record<string, unknown>;
const isObject = (value: unknown): value is Value =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/** The schema under its wrappers: what shape a value must have, whatever may be absent. */
function unwrap(schema: core.$ZodType): core.$ZodTypes {
  let current = schema as core.$ZodTypes;
  // Bounded: a lazy schema that returns itself must not spin.
  for (let i = 0; i < 32; i++) {
    const def = current._zod.def;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "catch":
      case "readonly":
      case "nonoptional":
      case "success":
        current = def.innerType as core.$ZodTypes;
        break;
      case "lazy":
        current = def.getter() as core.$ZodTypes;
        break;
      // The input side: what the payload as sent is checked against.
      case "pipe":
        current = def.in as core.$ZodTypes;
        break;
      default:
        return current;
    }
  }
  return current;
}

/** Whether a union option could have been the one that took `value`. */
function fits(schema: core.$ZodTypes, value: unknown): boolean {
  switch (schema._zod.def.type) {
    case "object":
    case "record":
      return isObject(value);
    case "array":
    case "tuple":
      return Array.isArray(value);
    case "string":
    case "enum":
      return typeof value === "string" || typeof value === "number";
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "literal":
      return !isObject(value) && !Array.isArray(value);
    default:
      return true;
  }
}

/** The schemas that judge a plain value (a string, a number) rather than a structure. */
const valueKinds: ReadonlySet<string> = new Set(["enum", "literal", "union", "intersection"]);

/**
 * Whether looking at `value` can find anything: a structure can hold undeclared fields; a plain
 * value only an enum (or a union or intersection holding one) can refuse. Most of a payload is
 * plain values under plain schemas, so they are passed over without a visit.
 */
function worthVisiting(schema: core.$ZodType, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "object") return true;
  return valueKinds.has(unwrap(schema)._zod.def.type);
}

/** Does an object's catch-all schema declare its extra keys? `looseObject`'s `unknown` does not. */
function declaresExtraKeys(catchall: core.$ZodType | undefined): catchall is core.$ZodType {
  if (catchall === undefined) return false;
  const type = unwrap(catchall)._zod.def.type;
  return type !== "unknown" && type !== "any" && type !== "never";
}

function listedValue(
  values: readonly unknown[],
  value: unknown,
  path: string,
  found: Set<string>,
  walk: Walk,
) {
  if (values.includes(value)) return;
  const shown = typeof value === "string" && enumValueLike.test(value) ? value : "?";
  add(found, `${path}=${shown}`, walk);
}

function add(found: Set<string>, finding: string, walk: Walk) {
  if (found.size >= walk.limits.maxPaths) {
    walk.budget.truncated = true;
    return;
  }
  found.add(finding);
}

function visit(
  schema: core.$ZodType,
  value: unknown,
  path: string,
  depth: number,
  found: Set<string>,
  walk: Walk,
): void {
  if (value === undefined || value === null) return;
  if (walk.budget.nodes <= 0 || depth > walk.limits.maxDepth) {
    walk.budget.truncated = true;
    return;
  }
  walk.budget.nodes -= 1;
  const unwrapped = unwrap(schema);
  const def = unwrapped._zod.def;
  switch (def.type) {
    case "object": {
      if (!isObject(value)) return;
      const extra = declaresExtraKeys(def.catchall) ? def.catchall : undefined;
      for (const key of Object.keys(value)) {
        const declared = Object.hasOwn(def.shape, key) ? def.shape[key] : extra;
        if (declared === undefined) add(found, join(path, segmentOf(key)), walk);
        else if (worthVisiting(declared, value[key]))
          visit(declared, value[key], join(path, segmentOf(key)), depth + 1, found, walk);
      }
      return;
    }
    case "record": {
      if (!isObject(value)) return;
      const at = join(path, "*");
      for (const key of Object.keys(value))
        if (worthVisiting(def.valueType, value[key]))
          visit(def.valueType, value[key], at, depth + 1, found, walk);
      return;
    }
    case "array": {
      if (!Array.isArray(value)) return;
      const at = `${path}[]`;
      for (const item of value) {
        if (walk.budget.nodes <= 0) break;
        if (worthVisiting(def.element, item)) visit(def.element, item, at, depth + 1, found, walk);
      }
      return;
    }
    case "tuple": {
      if (!Array.isArray(value)) return;
      value.forEach((item, index) => {
        const itemSchema = def.items[index] ?? def.rest;
        if (itemSchema !== undefined && itemSchema !== null)
          visit(itemSchema, item, `${path}[${index}]`, depth + 1, found, walk);
      });
      return;
    }
    case "union": {
      // The option with the fewest findings is the one that describes the value best.
      let best: Set<string> | undefined;
      for (const option of def.options) {
        if (!fits(unwrap(option), value)) continue;
        const tried = new Set<string>();
        visit(option, value, path, depth, tried, walk);
        if (best === undefined || tried.size < best.size) best = tried;
        if (best.size === 0) break;
      }
      for (const finding of best ?? []) add(found, finding, walk);
      return;
    }
    case "intersection": {
      // Undeclared only if neither side declares it.
      const left = new Set<string>();
      const right = new Set<string>();
      visit(def.left, value, path, depth, left, walk);
      visit(def.right, value, path, depth, right, walk);
      for (const finding of left) if (right.has(finding)) add(found, finding, walk);
      return;
    }
    case "enum":
      listedValue(Object.values(def.entries), value, path, found, walk);
      return;
    case "literal":
      listedValue(def.values, value, path, found, walk);
      return;
    default:
      // A leaf (string, number, …) or a schema that declares anything below it (`unknown`).
      return;
  }
}

/**
 * The payload paths and enum values `schema` (a zod 4 schema) does not declare, for a payload
 * that passed it. `looseObject` declares only its shape: what else it lets through is reported.
 */
export function undeclaredPaths(
  schema: z.ZodType,
  payload: unknown,
  limits: DriftLimits = defaultDriftLimits,
): UndeclaredPaths {
  const walk: Walk = { limits, budget: { nodes: limits.maxNodes, truncated: false } };
  const found = new Set<string>();
  visit(schema, payload, "", 0, found, walk);
  return { paths: [...found], truncated: walk.budget.truncated };
}
