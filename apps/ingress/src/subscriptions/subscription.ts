import { normalizeEventType, normalizeOperation } from "@skyhook/contracts";
import { z } from "zod";
import { signingKeyOf } from "./signing-secret.ts";

/** How far a signed delivery's timestamp may lie behind or ahead of our clock; false: unchecked. */
export type TimestampTolerance = { pastSec: number; futureSec: number } | false;

const Ids = z.array(z.string().trim().min(1)).min(1);

/** Receiver-side filters: Spotnana filters too, but a filter change is made on their side. */
export const SubscriptionFilters = z.object({
  organizationIds: Ids.optional(),
  contractingTmcIds: Ids.optional(),
  bookingTmcIds: Ids.optional(),
  excludeOperations: Ids.transform((ops) => ops.map(normalizeOperation)).optional(),
});
export type SubscriptionFilters = z.infer<typeof SubscriptionFilters>;

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name");

/**
 * One Spotnana subscription as written in SUBSCRIPTIONS_FILE. It authenticates with the legacy
 * OAuth client (clientId + clientSecret/clientSecrets), with HMAC signatures (signingSecrets),
 * or with both while a migration is under way. Several secrets are accepted at once so they
 * can be rotated without downtime.
 */
export const SubscriptionEntry = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - (it is a URL segment)"),
    clientId: z.string().trim().min(1).optional(),
    clientSecret: z.string().min(8).optional(),
    clientSecrets: z.array(z.string().min(8)).min(1).optional(),
    tokenTtlSec: z.number().int().min(60).max(86_400).optional(),
    signingSecrets: z
      .array(
        z
          .string()
          .refine((s) => signingKeyOf(s) !== undefined, "a whsec_ secret (Base64, ≥ 16 bytes)"),
      )
      .min(1)
      .optional(),
    timestampTolerance: z
      .union([
        z.literal(false),
        z.object({ pastSec: z.number().int().min(1), futureSec: z.number().int().min(0) }),
      ])
      .optional(),
    eventTypes: z.array(z.string().trim().min(1)).min(1).optional(),
    filters: SubscriptionFilters.optional(),
    requiredHeaders: z.record(HeaderName, z.string()).optional(),
    requiredTokenFields: z.record(z.string().min(1), z.string()).optional(),
    requiredTokenHeaders: z.record(HeaderName, z.string()).optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const hasSecret = entry.clientSecret !== undefined || entry.clientSecrets !== undefined;
    if (entry.clientId !== undefined && !hasSecret) {
      ctx.addIssue({ code: "custom", path: ["clientSecret"], message: "required with a clientId" });
    }
    if (entry.clientId === undefined && hasSecret) {
      ctx.addIssue({ code: "custom", path: ["clientId"], message: "required with a clientSecret" });
    }
    if (entry.clientId === undefined && entry.signingSecrets === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["signingSecrets"],
        message:
          "a subscription needs signingSecrets (HMAC), clientId + clientSecret (OAuth), or both",
      });
    }
  });
export type SubscriptionEntry = z.infer<typeof SubscriptionEntry>;

export type Subscription = {
  name: string;
  oauth: { clientId: string; clientSecrets: string[]; tokenTtlSec: number | undefined } | undefined;
  /** `keys`: the signing secrets decoded once, current and previous during a rotation. */
  hmac: { signingSecrets: string[]; keys: Buffer[]; tolerance: TimestampTolerance } | undefined;
  eventTypes: string[] | undefined;
  filters: SubscriptionFilters;
  /** Header names lower-cased, as Node presents them. */
  requiredHeaders: Record<string, string>;
  requiredTokenFields: Record<string, string>;
  /** Header names lower-cased. */
  requiredTokenHeaders: Record<string, string>;
};

const lowerCaseNames = (headers: Readonly<Record<string, string>> | undefined) =>
  Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );

export function toSubscription(
  entry: SubscriptionEntry,
  defaultTolerance: TimestampTolerance,
): Subscription {
  const clientSecrets = [
    ...(entry.clientSecret === undefined ? [] : [entry.clientSecret]),
    ...(entry.clientSecrets ?? []),
  ];
  return {
    name: entry.name,
    oauth:
      entry.clientId === undefined
        ? undefined
        : { clientId: entry.clientId, clientSecrets, tokenTtlSec: entry.tokenTtlSec },
    hmac:
      entry.signingSecrets === undefined
        ? undefined
        : {
            signingSecrets: entry.signingSecrets,
            keys: entry.signingSecrets.flatMap((secret) => signingKeyOf(secret) ?? []),
            tolerance: entry.timestampTolerance ?? defaultTolerance,
          },
    eventTypes: entry.eventTypes?.map(normalizeEventType),
    filters: entry.filters ?? {},
    requiredHeaders: lowerCaseNames(entry.requiredHeaders),
    requiredTokenFields: entry.requiredTokenFields ?? {},
    requiredTokenHeaders: lowerCaseNames(entry.requiredTokenHeaders),
  };
}
