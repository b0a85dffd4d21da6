import fc from "fast-check";
import type { Auth } from "./credentials.ts";
import { encode, encodingIsValid } from "./encodings.ts";
import { extraHeaders } from "./generators.ts";
import {
  describePlan,
  type EncodingPlan,
  ownSubscription,
  type PathPlan,
  type Plan,
} from "./plan.ts";

const sensitiveHeaders = new Set([
  "authorization",
  "api-version",
  "content-encoding",
  "x-spotnana-webhook-id",
  "x-spotnana-webhook-timestamp",
  "x-spotnana-webhook-signature",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

function isPristine(plan: Omit<Plan, "pristine">): boolean {
  const a = plan.authorization;
  const s = plan.signature;
  const tokenOk =
    a?.kind === "token" &&
    a.mutation.kind === "none" &&
    /^bearer$/i.test(a.scheme) &&
    /^ +$/.test(a.gap);
  // A signature is made over the body as text; bytes that are not UTF-8 do not survive that.
  const signableBody = Buffer.from(plan.plain.toString("utf8"), "utf8").equals(plan.plain);
  const signatureOk =
    s !== undefined &&
    signableBody &&
    s.key !== "stranger" &&
    s.mutation.kind === "none" &&
    s.shadow === undefined &&
    (s.clock.kind === "now" ||
      (s.clock.kind === "offset" && s.clock.sec >= -250 && s.clock.sec <= 50));
  const oneCredential = (a === undefined) !== (s === undefined);
  const own = ownSubscription(plan);
  return (
    plan.method === "POST" &&
    oneCredential &&
    (tokenOk || signatureOk) &&
    (plan.path.kind === "shared" || plan.path.kind === "own") &&
    (own !== "strict" || plan.apiVersion === "2.0") &&
    encodingIsValid(plan.encoding) &&
    plan.extraHeaders.every(([name]) => !sensitiveHeaders.has(name.toLowerCase()))
  );
}

type PlanParts = {
  family: string;
  method: fc.Arbitrary<string>;
  path: fc.Arbitrary<PathPlan>;
  plain: fc.Arbitrary<Buffer>;
  encoding: fc.Arbitrary<EncodingPlan>;
  auth: fc.Arbitrary<Auth>;
  contentType: fc.Arbitrary<string | undefined>;
  extraHeaders: fc.Arbitrary<Array<[string, string]>>;
};

export function planOf(parts: PlanParts): fc.Arbitrary<Plan> {
  return fc
    .record({
      method: parts.method,
      path: parts.path,
      plain: parts.plain,
      encoding: parts.encoding,
      auth: parts.auth,
      contentType: parts.contentType,
      extraHeaders: parts.extraHeaders,
    })
    .map(({ auth: credentials, ...rest }) => {
      const draft = {
        family: parts.family,
        ...rest,
        ...credentials,
        body: encode(rest.plain, rest.encoding),
      };
      const plan: Plan = { ...draft, pristine: isPristine(draft) };
      // Keeps fast-check's counterexample readable: bodies can be 64 KiB.
      return Object.assign(plan, { [fc.toStringMethod]: () => describePlan(plan) });
    });
}

export const noExtraHeaders = fc.constant<Array<[string, string]>>([]);
export const someExtraHeaders = fc.oneof(
  { weight: 3, arbitrary: noExtraHeaders },
  { weight: 1, arbitrary: extraHeaders },
);
