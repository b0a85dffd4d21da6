import { z } from "zod";

const IdLike = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]);

function idOf(value: unknown): string | undefined {
  const parsed = IdLike.safeParse(value);
  if (!parsed.success) return undefined;
  return typeof parsed.data === "string" ? parsed.data : parsed.data.id;
}

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

const KeySource = z.looseObject({
  pnrId: z.string().optional().catch(undefined),
  tripId: z.string().optional().catch(undefined),
  approvalId: z.string().optional().catch(undefined),
  id: z.string().optional().catch(undefined),
  version: z.number().int().optional().catch(undefined),
  audience: z
    .looseObject({
      organizationId: z.unknown().optional(),
      contractingTmcId: z.unknown().optional(),
      bookingTmcId: z.unknown().optional(),
    })
    .optional()
    .catch(undefined),
  contractingTmc: z.unknown().optional(),
  bookingTmc: z.unknown().optional(),
  organization: z.unknown().optional(),
  businessInfo: z.looseObject({ companyId: z.unknown().optional() }).optional().catch(undefined),
});

/**
 * Reads the routing and tenant keys. The contract document says the organisation sits at
 * `audience.organizationId` (a string or an `{id}`), with `organization` and
 * `businessInfo.companyId` as fallbacks seen in other event types. TMCs: AGENT_TASK_DETAILS
 * carries `contractingTmc` [C]; where PNR_V3 carries them is not documented, so `audience`'s
 * and top-level `bookingTmc` are read as well [I].
 */
export function payloadKeys(eventType: string, payload: unknown): PayloadKeys {
  const parsed = KeySource.safeParse(payload);
  if (!parsed.success) return {};
  const p = parsed.data;
  const organizationId =
    idOf(p.audience?.organizationId) ?? idOf(p.organization) ?? idOf(p.businessInfo?.companyId);
  return {
    pnrId: p.pnrId,
    tripId: p.tripId,
    version: p.version,
    organizationId,
    contractingTmcId: idOf(p.audience?.contractingTmcId) ?? idOf(p.contractingTmc),
    bookingTmcId: idOf(p.audience?.bookingTmcId) ?? idOf(p.bookingTmc),
    entityId: entityIdOf(eventType, p),
  };
}

function entityIdOf(eventType: string, p: z.infer<typeof KeySource>): string | undefined {
  switch (eventType) {
    case "PNR_V3":
      return p.pnrId;
    case "PNR_APPROVAL":
      return p.approvalId ?? p.pnrId;
    case "TRIP_DETAILS_V3":
      return p.tripId;
    case "AGENT_TASK_DETAILS":
    case "TRAVELER_V2":
      return p.id;
    default:
      return p.id ?? p.pnrId;
  }
}
