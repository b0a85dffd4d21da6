import { z } from "zod";
import { EntityRef } from "./entity-ref.ts";

/**
 * A traveler's employment details. The contract document names `businessInfo` [C] and says
 * the organisation should sit under it [I]; the sub-fields follow Spotnana's Trip API
 * `TravelerBusinessInfo` (section 4), so all of them are optional.
 */
export const TravelerBusinessInfo = z.looseObject({
  companyId: EntityRef.optional(),
  legalEntity: z.looseObject({}).optional(),
  office: z.looseObject({}).optional(),
  department: z.looseObject({}).optional(),
  userCostCenter: z.looseObject({}).optional(),
  grade: z.looseObject({}).optional(),
  employeeId: z.string().optional(),
  workerType: z.string().optional(),
});
export type TravelerBusinessInfo = z.infer<typeof TravelerBusinessInfo>;

/** TRAVELER_V2: a traveler profile. `id` (the user UUID) is the entity key [C]. */
export const TravelerV2Payload = z.looseObject({
  id: z.string().min(1),
  externalId: z.string().optional(),
  isActive: z.boolean().optional(),
  /** A string, not an enum: a persona Spotnana adds later must not dead-letter the event. */
  persona: z.string().optional(),
  businessInfo: TravelerBusinessInfo.optional(),
});
export type TravelerV2Payload = z.infer<typeof TravelerV2Payload>;
