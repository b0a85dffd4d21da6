import { z } from "zod";
import { EntityRef } from "./entity-ref.ts";
import { SpotnanaDateTime } from "./spotnana-date-time.ts";

/**
 * AGENT_TASK_DETAILS: a task in a TMC agent's queue. `id` (the task id) identifies it [C];
 * the other documented fields [C] are optional because a task need not concern a booking.
 */
export const AgentTaskDetailsPayload = z.looseObject({
  id: z.string().min(1),
  pnrId: z.string().optional(),
  tripId: z.string().optional(),
  /** The supplier's record locator, as opposed to Spotnana's `pnrId`. */
  sourcePnrId: z.string().optional(),
  /** The supplier system, e.g. SABRE; a string because the set of suppliers grows. */
  source: z.string().optional(),
  organization: EntityRef.optional(),
  contractingTmc: EntityRef.optional(),
  createdAt: SpotnanaDateTime.optional(),
});
export type AgentTaskDetailsPayload = z.infer<typeof AgentTaskDetailsPayload>;
