import fc from "fast-check";
import { randomBody, validEnvelope } from "./bodies.ts";
import { auth } from "./credentials.ts";
import { validEncoding } from "./encodings.ts";
import { contentType, extraHeaders, pathPlan, utf8 } from "./generators.ts";
import type { Plan } from "./plan.ts";
import { planOf } from "./plan-of.ts";

/** (c) valid envelopes under hostile credentials: tokens, forgeries, signatures, headers. */
export const hostileCredentials = (): fc.Arbitrary<Plan> =>
  planOf({
    family: "credentials",
    method: fc.constant("POST"),
    path: pathPlan,
    plain: fc.oneof(
      { weight: 4, arbitrary: validEnvelope.map((v) => utf8(JSON.stringify(v))) },
      { weight: 1, arbitrary: randomBody },
    ),
    encoding: validEncoding,
    auth: auth(15),
    contentType,
    extraHeaders: extraHeaders,
  });
