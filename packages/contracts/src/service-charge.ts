import { z } from "zod";

/**
 * SERVICE_CHARGE: a TMC service fee. Only the top-level `entity` object is documented [C]
 * (contract document, section 4); its contents were not seen, so they pass through untyped.
 */
export const ServiceChargePayload = z.looseObject({
  entity: z.looseObject({}),
});
export type ServiceChargePayload = z.infer<typeof ServiceChargePayload>;
