import { z } from "zod";

/*
 * The ingress's answers, as README.md and docs/how-it-works.md document them, for tests to
 * parse with `jsonOf` / `parseJsonAs`. Strict: these bodies are part of the contract with the
 * sender, so a field added or renamed fails every test that reads one, here, by name.
 */

/** A delivery stored now (`accepted`) or before (`duplicate`): exactly 200 and this body. */
export const DeliveryAnswer = z.strictObject({
  status: z.enum(["accepted", "duplicate"]),
  deliveryId: z.string(),
  jobId: z.string(),
});
export type DeliveryAnswer = z.infer<typeof DeliveryAnswer>;

/**
 * A delivery its subscription's filter dropped (kept aside, not queued): 200, the filter's
 * reason, and no job id; a re-send of it is answered `duplicate` without a reason.
 */
export const FilteredAnswer = z.strictObject({
  status: z.enum(["filtered", "duplicate"]),
  reason: z.string().optional(),
  deliveryId: z.string(),
});
export type FilteredAnswer = z.infer<typeof FilteredAnswer>;

/** Whichever of the two a 200 to a delivery is. */
export const AnyDeliveryAnswer = z.union([DeliveryAnswer, FilteredAnswer]);

/** Every refusal but the token endpoint's own: one body, its code from the closed catalogue. */
export const ErrorAnswer = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;

/** The `details` of `invalid_envelope`: one issue per missing or wrong field. */
export const EnvelopeIssues = z.array(z.looseObject({ path: z.string() }));

/** The token endpoint's 200 (RFC 6749 §5.1). */
export const TokenAnswer = z.strictObject({
  access_token: z.string(),
  token_type: z.string(),
  expires_in: z.number(),
});

/** The token endpoint's 400 and 401, in RFC 6749 §5.2's form rather than the error body. */
export const OAuthErrorAnswer = z.strictObject({
  error: z.string(),
  error_description: z.string(),
});
