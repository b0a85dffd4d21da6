import fc from "fast-check";
import { validEnvelope } from "./bodies.ts";
import { auth } from "./credentials.ts";
import { validEncoding } from "./encodings.ts";
import { contentType, pathPlan } from "./generators.ts";
import { jsonMutation, mutateJson } from "./json-mutations.ts";
import type { EncodingPlan, Plan } from "./plan.ts";
import { planOf, someExtraHeaders } from "./plan-of.ts";
import { mutateText, type TextMutation, textMutation } from "./text-mutations.ts";

const mutatedEnvelope = fc
  .record({
    base: validEnvelope,
    json: fc.array(jsonMutation, { minLength: 0, maxLength: 4 }),
    text: fc.oneof(
      { weight: 3, arbitrary: fc.constant<TextMutation[]>([]) },
      { weight: 2, arbitrary: fc.array(textMutation, { minLength: 1, maxLength: 3 }) },
    ),
  })
  .filter(({ json, text }) => json.length + text.length > 0)
  .map(({ base, json, text }) => mutateText(mutateJson(base, json), text));

/** (b) a valid PNR_V3 envelope, then mutated as JSON and as bytes, mostly well authenticated. */
export const mutatedEnvelopes = (): fc.Arbitrary<Plan> =>
  planOf({
    family: "mutated-envelope",
    method: fc.constant("POST"),
    path: pathPlan,
    plain: mutatedEnvelope,
    encoding: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constant<EncodingPlan>({ header: undefined, transform: "none", at: 0 }),
      },
      validEncoding,
    ),
    auth: auth(80),
    contentType,
    extraHeaders: someExtraHeaders,
  });
