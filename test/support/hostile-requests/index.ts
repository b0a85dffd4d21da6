import type fc from "fast-check";
import type { FuzzTarget } from "../fuzz-target.ts";
import { hostileCredentials } from "./hostile-credentials.ts";
import { mutatedEnvelopes } from "./mutated-envelopes.ts";
import { pathsAndTokenEndpoint } from "./paths-and-token-endpoint.ts";
import type { Plan } from "./plan.ts";
import { randomBodies } from "./random-bodies.ts";
import { sizesAndEncodings } from "./sizes-and-encodings.ts";

/*
 * Generators of hostile requests for the ingress, one module per attack family. A generated
 * value is a plan (plan.ts), made a request at send time by `toWire`.
 */

export type HostileFamily = {
  name: string;
  /** Its share of the requests a fuzz run sends. */
  share: number;
  arbitrary: () => fc.Arbitrary<Plan>;
};

/**
 * The attack families in the order a fuzz run takes them: each property's seed is the run's
 * seed plus its index here, so this order is part of what a seed replays.
 */
export const hostileFamilies = (target: FuzzTarget): HostileFamily[] => [
  { name: "random bodies", share: 0.2, arbitrary: randomBodies },
  { name: "mutated valid envelopes", share: 0.25, arbitrary: mutatedEnvelopes },
  { name: "hostile tokens, signatures and headers", share: 0.25, arbitrary: hostileCredentials },
  {
    name: "sizes around the limit and compressed bodies",
    share: 0.1,
    arbitrary: () => sizesAndEncodings(target.bodyLimitBytes),
  },
  {
    name: "random paths, methods and token requests",
    share: 0.2,
    arbitrary: () => pathsAndTokenEndpoint(target),
  },
];

export { describePlan, type Plan, type SendContext } from "./plan.ts";
export { toWire } from "./to-wire.ts";
