import { z } from "zod";
import { normalizeEventType, normalizeOperation } from "./event-types.ts";

const RoutingName = z.string().trim().min(1).max(128);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The docs show both `event_type` and `eventType`; the camelCase one is read as an alias. */
const aliasEventType = (v: unknown) =>
  isRecord(v) && v.event_type === undefined && v.eventType !== undefined
    ? { ...v, event_type: v.eventType }
    : v;

/**
 * The delivery envelope as Spotnana documents it. Unknown top-level fields are preserved
 * (`looseObject`) so nothing Spotnana adds later is dropped on the way to a handler.
 */
export const RawEnvelope = z.preprocess(
  aliasEventType,
  z.looseObject({
    event_type: RoutingName,
    operation: RoutingName,
    timestamp: z.union([z.string().min(1), z.number()]).optional(),
    payload: z.looseObject({}),
    operationSummary: z.looseObject({}).optional(),
  }),
);

export const Envelope = RawEnvelope.transform((value) => ({
  ...value,
  eventType: normalizeEventType(value.event_type),
  operation: normalizeOperation(value.operation),
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
