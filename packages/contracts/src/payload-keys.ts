import { z } from "zod";
import { eventTypeCatalog } from "./event-type-catalog.ts";
import { EventType } from "./event-types.ts";

/** The fields a receiver keys on, whatever the event type. All optional: payloads vary. */
export const PayloadKeys = z.object({
  pnrId: z.string().optional(),
  tripId: z.string().optional(),
  version: z.number().int().optional(),
  organizationId: z.string().optional(),
  contractingTmcId: z.string().optional(),
  bookingTmcId: z.string().optional(),
  entityId: z.string().optional(),
});
export type PayloadKeys = z.infer<typeof PayloadKeys>;

/*
 * Plain type checks rather than a zod schema: this runs on every delivery, and a zod parse
 * with `.catch` builds an error for every absent field (about 33 µs per event). The rules are
 * the schema's: an object is anything but null or an array, a string key may be empty, an id
 * may not, a version is a safe integer. `payload-keys.test.ts` checks them against that schema.
 */
type Fields = Record<string, unknown>;

const objectOf = (value: unknown): Fields | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Fields)
    : undefined;

const stringOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined;

/** A string id, or an object carrying one in `id`. */
const idOf = (value: unknown): string | undefined =>
  nonEmpty(value) ?? nonEmpty(objectOf(value)?.id);

/** The fields naming an event's entity, per event type, for a lookup without zod or a scan. */
const entityIdFieldsByType: ReadonlyMap<string, readonly string[]> = new Map(
  EventType.options.map((eventType) => [eventType, eventTypeCatalog[eventType].entityIdFields]),
);

/** An event type we do not know is named by its own `id`, else by its PNR. */
const unknownTypeEntityIdFields: readonly string[] = ["id", "pnrId"];

/**
 * Reads the routing and tenant keys. The contract document says the organisation sits at
 * `audience.organizationId` (a string or an `{id}`), with `organization` and
 * `businessInfo.companyId` as fallbacks seen in other event types. TMCs: AGENT_TASK_DETAILS
 * carries `contractingTmc` [C]; where PNR_V3 carries them is not documented, so `audience`'s
 * and top-level `bookingTmc` are read as well [I]. The entity id comes from the fields the event
 * type's catalogue row names.
 */
export function payloadKeys(eventType: string, payload: unknown): PayloadKeys {
  const p = objectOf(payload);
  if (p === undefined) return {};
  const pnrId = stringOf(p.pnrId);
  const tripId = stringOf(p.tripId);
  const version = Number.isSafeInteger(p.version) ? (p.version as number) : undefined;
  const audience = objectOf(p.audience);
  const organizationId =
    idOf(audience?.organizationId) ??
    idOf(p.organization) ??
    idOf(objectOf(p.businessInfo)?.companyId);
  return {
    pnrId,
    tripId,
    version,
    organizationId,
    contractingTmcId: idOf(audience?.contractingTmcId) ?? idOf(p.contractingTmc),
    bookingTmcId: idOf(audience?.bookingTmcId) ?? idOf(p.bookingTmc),
    entityId: entityIdOf(eventType, p),
  };
}

function entityIdOf(eventType: string, p: Fields): string | undefined {
  for (const field of entityIdFieldsByType.get(eventType) ?? unknownTypeEntityIdFields) {
    const id = p[field];
    if (typeof id === "string") return id;
  }
  return undefined;
}
