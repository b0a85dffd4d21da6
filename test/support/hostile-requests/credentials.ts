import fc from "fast-check";
import { apiVersion } from "./generators.ts";
import type { AuthorizationPlan, SignaturePlan } from "./plan.ts";
import { hostileSignature, validSignature } from "./signatures.ts";
import { hostileAuthorization, validToken } from "./tokens.ts";

/* The credentials of a plan: a token, a signature, both or neither, and the API-Version header. */

export type Auth = {
  authorization: AuthorizationPlan | undefined;
  signature: SignaturePlan | undefined;
  apiVersion: string | undefined;
};

/** One untouched credential (token or signature), with the required header usually right. */
const validAuth: fc.Arbitrary<Auth> = fc.oneof(
  fc.record({ authorization: validToken, signature: fc.constant(undefined), apiVersion }),
  fc.record({ authorization: fc.constant(undefined), signature: validSignature, apiVersion }),
);

const hostileAuth: fc.Arbitrary<Auth> = fc.record({
  authorization: fc.option(fc.oneof(hostileAuthorization, validToken), { freq: 2, nil: undefined }),
  signature: fc.option(fc.oneof(hostileSignature, validSignature), { freq: 2, nil: undefined }),
  apiVersion,
});

export const auth = (validPercent: number) =>
  fc.oneof(
    { weight: validPercent, arbitrary: validAuth },
    { weight: 100 - validPercent, arbitrary: hostileAuth },
  );
