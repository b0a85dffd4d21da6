import fc from "fast-check";
import type { FuzzTarget } from "../fuzz-target.ts";
import { randomBody, validEnvelope } from "./bodies.ts";
import { auth } from "./credentials.ts";
import { anyEncoding } from "./encodings.ts";
import { anyPath, contentType, method, printable, utf8 } from "./generators.ts";
import type { AuthorizationPlan, EncodingPlan, Plan } from "./plan.ts";
import { planOf, someExtraHeaders } from "./plan-of.ts";

const tokenField = fc.oneof(
  fc.constantFrom(
    "grant_type",
    "client_id",
    "client_secret",
    "audience",
    "scope",
    "__proto__",
    "constructor",
    "grant_type[]",
    "client_secret[0]",
  ),
  fc.stringMatching(/^[a-z_]{1,12}$/),
);

const tokenRequestBody = (target: FuzzTarget) => {
  const clients = [target.oauth, target.strict].flatMap((s) =>
    s.oauth === undefined ? [] : [s.oauth],
  );
  const fieldValue = fc.oneof(
    fc.constantFrom(
      "client_credentials",
      "password",
      "",
      ...clients.flatMap((c) => [c.clientId, c.clientSecret, `${c.clientSecret}x`]),
    ),
    printable(40),
  );
  const pairs = fc.array(fc.tuple(tokenField, fieldValue), { maxLength: 6 });
  return fc.oneof(
    pairs.map((p) => utf8(new URLSearchParams(p).toString())),
    pairs.map((p) => utf8(p.map(([k, v]) => `${k}=${v}`).join("&"))),
    fc
      .array(fc.tuple(tokenField, fieldValue), { minLength: 21, maxLength: 40 })
      .map((p) => utf8(new URLSearchParams(p).toString())),
    fc
      .dictionary(tokenField, fc.oneof(fieldValue, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 6 })
      .map((d) => utf8(JSON.stringify(d))),
    fc.constantFrom(...clients).map((c) =>
      utf8(
        new URLSearchParams({
          grant_type: "client_credentials",
          client_id: c.clientId,
          client_secret: c.clientSecret,
        }).toString(),
      ),
    ),
    randomBody,
    fc.constant(utf8(`grant_type=client_credentials&pad=${"x".repeat(17_000)}`)),
  );
};

const tokenAuthorization = (target: FuzzTarget): fc.Arbitrary<AuthorizationPlan | undefined> => {
  const clients = [target.oauth, target.strict].flatMap((s) =>
    s.oauth === undefined ? [] : [s.oauth],
  );
  return fc.option(
    fc.oneof(
      fc
        .constantFrom(...clients)
        .map((c) => ({ kind: "basic" as const, user: c.clientId, pass: c.clientSecret })),
      fc.record({
        kind: fc.constant("basic" as const),
        user: fc.oneof(fc.constantFrom(...clients.map((c) => c.clientId)), printable(20)),
        pass: fc.oneof(fc.constantFrom("%zz", "%", "x%E0"), printable(30)),
      }),
      fc.record({
        kind: fc.constant("literal" as const),
        value: fc.oneof(
          printable(100),
          fc.base64String({ maxLength: 60 }).map((s) => `Basic ${s}`),
          fc.constantFrom("Basic", "Basic ", "Basic ===", "Basic Og==", "basic Zm9vOmJhcg=="),
        ),
      }),
    ),
    { freq: 2, nil: undefined },
  );
};

/** (e) token-endpoint requests, and random methods and paths anywhere. */
export const pathsAndTokenEndpoint = (target: FuzzTarget): fc.Arbitrary<Plan> =>
  fc.oneof(
    planOf({
      family: "token-endpoint",
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant("POST") },
        { weight: 1, arbitrary: method },
      ),
      path: fc
        .constantFrom(
          "/oauth/token",
          "/oauth/token",
          "/OAUTH/TOKEN",
          "/oauth/token/",
          "/oauth/token?grant_type=client_credentials",
        )
        .map((path) => ({ kind: "literal" as const, path })),
      plain: tokenRequestBody(target),
      encoding: fc.oneof(
        {
          weight: 5,
          arbitrary: fc.constant<EncodingPlan>({ header: undefined, transform: "none", at: 0 }),
        },
        anyEncoding,
      ),
      auth: fc.record({
        authorization: tokenAuthorization(target),
        signature: fc.constant(undefined),
        apiVersion: fc.constant(undefined),
      }),
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant("application/x-www-form-urlencoded") },
        { weight: 2, arbitrary: fc.constant("application/json") },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "application/x-www-form-urlencoded; charset=koi8-r",
            "application/x-www-form-urlencoded; charset=bogus",
            "application/json; charset=latin1",
            "text/plain",
          ),
        },
        { weight: 1, arbitrary: contentType },
      ),
      extraHeaders: someExtraHeaders,
    }),
    planOf({
      family: "path",
      method,
      path: anyPath.map((path) => ({ kind: "literal" as const, path })),
      plain: fc.oneof(
        validEnvelope.map((v) => utf8(JSON.stringify(v))),
        randomBody,
      ),
      encoding: anyEncoding,
      auth: auth(40),
      contentType,
      extraHeaders: someExtraHeaders,
    }),
  );
