import { randomBytes } from "node:crypto";
import { newSigningSecret } from "@skyhook/spotnana-sender";

/** One subscription as the fuzz harness knows it: enough to sign, to get tokens, to judge. */
export type FuzzSubscription = {
  name: string;
  oauth: { clientId: string; clientSecret: string } | undefined;
  signingSecrets: string[];
  /** Lower-case header names, as Node presents them. */
  requiredHeaders: Record<string, string>;
  eventTypes: string[] | undefined;
};

/**
 * The ingress under fuzzing: one HMAC-only subscription (two secrets, an event-type filter so
 * "filtered" answers occur), one OAuth-only, and one taking both modes with a required header,
 * which exercises the rule that a signature, once sent, must verify even next to a token.
 */
export type FuzzTarget = {
  bodyLimitBytes: number;
  token: { signingKey: string; issuer: string; audience: string };
  hmac: FuzzSubscription;
  oauth: FuzzSubscription;
  strict: FuzzSubscription;
  /** A well-formed secret no subscription knows. */
  strangerSecret: string;
};

export function createFuzzTarget(bodyLimitBytes: number): FuzzTarget {
  return {
    bodyLimitBytes,
    token: {
      signingKey: `fuzz-token-key-${randomBytes(24).toString("hex")}`,
      issuer: "skyhook-fuzz",
      audience: "skyhook-fuzz-webhooks",
    },
    hmac: {
      name: "fuzz-hmac",
      oauth: undefined,
      signingSecrets: [newSigningSecret(), newSigningSecret()],
      requiredHeaders: {},
      eventTypes: ["PNR_V3"],
    },
    oauth: {
      name: "fuzz-oauth",
      oauth: {
        clientId: "fuzz-client",
        clientSecret: `fuzz-secret-${randomBytes(8).toString("hex")}`,
      },
      signingSecrets: [],
      requiredHeaders: {},
      eventTypes: undefined,
    },
    strict: {
      name: "fuzz-strict",
      oauth: {
        clientId: "fuzz-strict-client",
        clientSecret: `fuzz-strict-${randomBytes(8).toString("hex")}`,
      },
      signingSecrets: [newSigningSecret()],
      requiredHeaders: { "api-version": "2.0" },
      eventTypes: undefined,
    },
    strangerSecret: newSigningSecret(),
  };
}

export const subscriptionsOf = (target: FuzzTarget): FuzzSubscription[] => [
  target.hmac,
  target.oauth,
  target.strict,
];

/** The SUBSCRIPTIONS_FILE content, in the README's format. */
export function subscriptionsFileOf(target: FuzzTarget): unknown[] {
  return subscriptionsOf(target).map((s) => ({
    name: s.name,
    ...(s.oauth === undefined
      ? {}
      : { clientId: s.oauth.clientId, clientSecret: s.oauth.clientSecret }),
    ...(s.signingSecrets.length === 0 ? {} : { signingSecrets: s.signingSecrets }),
    ...(Object.keys(s.requiredHeaders).length === 0 ? {} : { requiredHeaders: s.requiredHeaders }),
    ...(s.eventTypes === undefined ? {} : { eventTypes: s.eventTypes }),
  }));
}
