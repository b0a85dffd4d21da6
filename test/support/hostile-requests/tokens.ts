import fc from "fast-check";
import { base64Char, printable } from "./generators.ts";
import { type AuthorizationPlan, type OAuthKey, type TokenMutation, tokenDefects } from "./plan.ts";

/* Bearer tokens: the issued one untouched, mutated, behind a malformed scheme, or forged. */

const tokenMutation: fc.Arbitrary<TokenMutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), char: base64Char }),
  fc.record({ kind: fc.constant("append" as const), text: printable(20, 1) }),
  fc.record({ kind: fc.constant("prepend" as const), text: printable(20, 1) }),
  fc.constant({ kind: "dropSignature" as const }),
  fc.record({
    kind: fc.constant("swapPayload" as const),
    claims: fc.dictionary(
      fc.constantFrom("sub", "aud", "iss", "exp", "nbf", "iat", "kid", "__proto__", "x"),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  }),
  fc.record({
    kind: fc.constant("swapHeader" as const),
    header: fc.dictionary(
      fc.constantFrom("alg", "typ", "kid", "crit", "jku", "x5u"),
      fc.oneof(
        fc.constantFrom("none", "HS256", "RS256", "HS512", "", "../../etc/passwd"),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    ),
  }),
  // Segments that are not Base64url JSON at all: a token is read before it is verified.
  fc.record({
    kind: fc.constant("garble" as const),
    segment: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    text: fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constantFrom('{"', "[]", "null", '"x"', "{}", '{"typ":"JWT"}', "\u0000"),
    ),
  }),
  fc.constant({ kind: "swapCase" as const }),
  fc.constant({ kind: "repeat" as const }),
);

export const validToken = fc.record({
  kind: fc.constant("token" as const),
  sub: fc.constantFrom<OAuthKey>("oauth", "strict"),
  scheme: fc.constantFrom("Bearer", "bearer", "BEARER"),
  gap: fc.constantFrom(" ", "  "),
  mutation: fc.constant<TokenMutation>({ kind: "none" }),
});

export const hostileAuthorization: fc.Arbitrary<AuthorizationPlan> = fc.oneof(
  // A mutated token behind a well-formed "Bearer ", so it reaches token verification...
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("token" as const),
      sub: fc.constantFrom<OAuthKey>("oauth", "strict"),
      scheme: fc.constantFrom("Bearer", "bearer"),
      gap: fc.constant(" "),
      mutation: tokenMutation,
    }),
  },
  // ...and the untouched token behind a malformed scheme.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("token" as const),
      sub: fc.constantFrom<OAuthKey>("oauth", "strict"),
      scheme: fc.constantFrom("Bearer:", "Token", "JWT", "Basic", "Bearer\t", "Bearer,"),
      gap: fc.constantFrom(" ", "", "\t", " , "),
      mutation: fc.constant<TokenMutation>({ kind: "none" }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("forged" as const),
      sub: fc.constantFrom<OAuthKey | "nobody">("oauth", "strict", "nobody"),
      defect: fc.constantFrom(...tokenDefects),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("literal" as const),
      value: fc.oneof(
        printable(300),
        printable(200).map((s) => `Bearer ${s}`),
        fc.base64String({ maxLength: 400 }).map((s) => `Bearer ${s}`),
        fc.constantFrom(
          "",
          "Bearer",
          "Bearer ",
          "Bearer null",
          "Bearer undefined",
          "Bearer eyJhbGciOiJub25lIn0.e30.",
          "Bearer ..",
          "Digest username=x",
          "Negotiate YII=",
          "AWS4-HMAC-SHA256 Credential=x",
        ),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("basic" as const),
      user: fc.oneof(fc.constantFrom("fuzz-client", "fuzz-strict-client"), printable(20)),
      pass: printable(30),
    }),
  },
);
