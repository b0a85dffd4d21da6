import { z } from "zod";
import type { PayloadKeys } from "./payload-keys.ts";

/** Where an event sits in its entity's history, for refusing late, older events. */
export const EntityOrder = z.object({
  entity: z.string(),
  version: z.number().int().optional(),
  timestampMs: z.number().optional(),
});
export type EntityOrder = z.infer<typeof EntityOrder>;

/** The entity each event type describes, per the contract document (section 4). */
const entityKinds: Readonly<Record<string, (keys: PayloadKeys) => string | undefined>> = {
  PNR_V3: (k) => k.pnrId && `pnr:${k.pnrId}`,
  TRAVELER_V2: (k) => k.entityId && `traveler:${k.entityId}`,
  TRIP_DETAILS_V3: (k) => k.tripId && `trip:${k.tripId}`,
  AGENT_TASK_DETAILS: (k) => k.entityId && `task:${k.entityId}`,
  PNR_APPROVAL: (k) => k.entityId && `approval:${k.entityId}`,
};

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
 * Spotnana reorders deliveries, so each event is placed in its entity's history: by PNR
 * `version` where the payload has one (it rises by one on every PNR change), else by the
 * envelope `timestamp`. Undefined when the event has no entity or nothing to order by.
 */
export function entityOrderOf(event: {
  eventType: string;
  keys: PayloadKeys;
  envelope: Readonly<Record<string, unknown>>;
}): EntityOrder | undefined {
  const entity = entityKinds[event.eventType]?.(event.keys);
  if (entity === undefined) return undefined;
  const version = event.eventType === "PNR_V3" ? event.keys.version : undefined;
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
