import { z } from "zod";
import { type EntityOrderRule, eventTypeCatalog } from "./event-type-catalog.ts";
import { EventType } from "./event-types.ts";
import type { PayloadKeys } from "./payload-keys.ts";

/** Where an event sits in its entity's history, for refusing late, older events. */
export const EntityOrder = z.object({
  entity: z.string(),
  version: z.number().int().optional(),
  timestampMs: z.number().optional(),
});
export type EntityOrder = z.infer<typeof EntityOrder>;

/** The order rule of each event type that has one, per the contract document (section 4). */
const orderRules: ReadonlyMap<string, EntityOrderRule> = new Map(
  EventType.options.flatMap((eventType) => {
    const rule = eventTypeCatalog[eventType].entityOrder;
    return rule === undefined ? [] : [[eventType, rule] as const];
  }),
);

/**
 * The envelope timestamp in milliseconds. Its format is not documented: ISO-8601 strings and
 * epoch numbers (seconds or milliseconds, as numbers or digit strings) are all read.
 */
export function timestampMsOf(value: unknown): number | undefined {
  const digits = typeof value === "string" && /^\d+(\.\d+)?$/.test(value);
  const numeric = typeof value === "number" ? value : digits ? Number(value) : undefined;
  if (numeric !== undefined) return numeric < 1e11 ? numeric * 1000 : numeric;
  if (typeof value !== "string") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Spotnana reorders deliveries, so each event is placed in its entity's history: by `version`
 * where its row orders by version and the payload has one (a PNR's rises by one on every
 * change), else by the envelope `timestamp`. Undefined when the event has no entity (its type
 * has no order rule, or the id is absent or empty) or nothing to order by.
 */
export function entityOrderOf(event: {
  eventType: string;
  keys: PayloadKeys;
  envelope: Readonly<Record<string, unknown>>;
}): EntityOrder | undefined {
  const rule = orderRules.get(event.eventType);
  if (rule === undefined) return undefined;
  const id = event.keys[rule.idKey];
  if (id === undefined || id === "") return undefined;
  const entity = `${rule.kind}:${id}`;
  const version = rule.byVersion ? event.keys.version : undefined;
  const timestampMs = timestampMsOf(event.envelope.timestamp);
  if (version === undefined && timestampMs === undefined) return undefined;
  return { entity, version, timestampMs };
}

/** True when `event` is older than `newest`, compared by version if both have one, else by time. */
export function isOlder(event: EntityOrder, newest: EntityOrder): boolean {
  if (event.version !== undefined && newest.version !== undefined)
    return event.version < newest.version;
  if (event.timestampMs !== undefined && newest.timestampMs !== undefined) {
    return event.timestampMs < newest.timestampMs;
  }
  return false;
}

const maxDefined = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** The newer of two positions of one entity: what the entity's high-water mark becomes. */
export function newestOf(a: EntityOrder, b: EntityOrder): EntityOrder {
  return {
    entity: a.entity,
    version: maxDefined(a.version, b.version),
    timestampMs: maxDefined(a.timestampMs, b.timestampMs),
  };
}
