import { z } from "zod";
import { normalizeEventType, normalizeOperation } from "./event-types.ts";

const RoutingName = z.string().trim().min(1).max(128);

/**
 * The delivery envelope as Spotnana documents it. The docs show both `event_type` and
 * `eventType`; either is accepted. Unknown top-level fields are preserved (`looseObject`) so
 * nothing Spotnana adds later is dropped on the way to a handler.
 */
export const RawEnvelope = z.looseObject({
  event_type: RoutingName.optional(),
  eventType: RoutingName.optional(),
  operation: RoutingName,
  timestamp: z.union([z.string().min(1), z.number()]).optional(),
  payload: z.looseObject({}),
  operationSummary: z.looseObject({}).optional(),
});

export const Envelope = RawEnvelope.superRefine((value, ctx) => {
  if (value.event_type === undefined && value.eventType === undefined) {
    ctx.addIssue({ code: "custom", path: ["event_type"], message: "event_type is required" });
  }
}).transform((value) => ({
  ...value,
  eventType: normalizeEventType(value.event_type ?? value.eventType ?? ""),
  operation: normalizeOperation(value.operation),
  eventTypeField: value.event_type === undefined ? ("eventType" as const) : ("event_type" as const),
}));
export type Envelope = z.infer<typeof Envelope>;

export type EnvelopeIssue = { path: string; message: string };

export type EnvelopeResult =
  | { ok: true; envelope: Envelope }
  | { ok: false; issues: EnvelopeIssue[] };

export function parseEnvelope(body: unknown): EnvelopeResult {
  const parsed = Envelope.safeParse(body);
  if (parsed.success) return { ok: true, envelope: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.length === 0 ? "(body)" : issue.path.join("."),
      message: issue.message,
    })),
  };
}
