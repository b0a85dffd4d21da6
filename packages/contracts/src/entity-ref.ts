import { z } from "zod";

/**
 * A reference to another Spotnana entity (an organisation, a TMC, a company). Spotnana's
 * samples show these as `{ id, … }` objects, while the contract document allows a bare id too
 * (section 4). The inner `id` is optional: a reference without one is useless for routing but
 * must not dead-letter the event that carries it.
 */
export const EntityRef = z.union([
  z.string().min(1),
  z.looseObject({ id: z.string().min(1).optional() }),
]);
export type EntityRef = z.infer<typeof EntityRef>;
