import { z } from "zod";

/**
 * A point in time inside a payload. Spotnana's APIs send `{ iso8601: "…" }` objects (the
 * AGENT_TASK_DETAILS sample shows `createdAt: {}`); the format in webhooks is unconfirmed
 * (contract document, section 2), so plain ISO strings and epoch numbers are accepted too.
 */
export const SpotnanaDateTime = z.union([
  z.string().min(1),
  z.number(),
  z.looseObject({ iso8601: z.string().min(1).optional() }),
]);
export type SpotnanaDateTime = z.infer<typeof SpotnanaDateTime>;
