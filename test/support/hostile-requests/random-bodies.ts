import fc from "fast-check";
import { randomBody } from "./bodies.ts";
import { auth } from "./credentials.ts";
import { anyEncoding } from "./encodings.ts";
import { contentType, pathPlan } from "./generators.ts";
import type { Plan } from "./plan.ts";
import { planOf, someExtraHeaders } from "./plan-of.ts";

/** (a) random bytes, strings and JSON values as bodies, with any credentials. */
export const randomBodies = (): fc.Arbitrary<Plan> =>
  planOf({
    family: "random-body",
    method: fc.constant("POST"),
    path: pathPlan,
    plain: randomBody,
    encoding: anyEncoding,
    auth: auth(50),
    contentType,
    extraHeaders: someExtraHeaders,
  });
