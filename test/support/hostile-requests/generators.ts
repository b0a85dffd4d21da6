import fc from "fast-check";
import type { PathPlan } from "./plan.ts";

/* Small generators every attack family draws from: strings, paths, methods and headers. */

// fast-check's default string unit is printable ASCII, the only safe alphabet for header values.
export const printable = (maxLength: number, minLength = 0) => fc.string({ minLength, maxLength });
export const trimmedPrintable = (maxLength: number) =>
  printable(maxLength, 1)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
export const base64Char = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=.".split(""),
);
const headerName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/);
export const utf8 = (text: string) => Buffer.from(text, "utf8");

/** Percent-encodes a string partly, and sometimes badly: `%`, `%E0%A4`, `%zz` are all sent. */
const pathSegment = fc.oneof(
  fc.constantFrom(
    "fuzz-hmac",
    "fuzz-oauth",
    "fuzz-strict",
    "FUZZ-HMAC",
    "fuzz-hmac.",
    "%66uzz-hmac",
    "fuzz%2Dstrict",
    "%",
    "%E0%A4",
    "%E0%A4%A",
    "%zz",
    "%00",
    "%2F",
    "%2e%2e",
    "..",
    ".",
    "__proto__",
    "constructor",
    "x".repeat(65),
    "fuzz-hmac;x",
  ),
  printable(40).map((s) => encodeURIComponent(s).replace(/%2[0-9A-F]/g, (m) => m.toLowerCase())),
  fc
    .array(
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9._~-]{1,4}$/),
        fc.stringMatching(/^%[0-9A-Za-z]{0,2}$/),
      ),
      {
        maxLength: 8,
      },
    )
    .map((parts) => parts.join("")),
);

export const deliveryishPath = fc.oneof(
  pathSegment.map((s) => `/webhooks/spotnana/${s}`),
  fc.constantFrom(
    "/webhooks/spotnana/",
    "/WEBHOOKS/SPOTNANA",
    "/webhooks/spotnana//",
    "//webhooks/spotnana",
    "/webhooks/spotnana/fuzz-hmac/",
    "/webhooks/spotnana/fuzz-hmac/extra",
    "/webhooks/spotnana/fuzz-oauth/../fuzz-hmac",
    "/webhooks/spotnana?subscription=fuzz-hmac",
    "/webhooks/spotnana/fuzz-hmac?x=%zz",
    "/webhooks/spotnana#frag",
    "/webhooks\\spotnana\\fuzz-hmac",
    "/webhooks/spotnana%2Ffuzz-hmac",
    "/webhooks/./spotnana",
    "/webhooks",
  ),
);

export const anyPath = fc.oneof(
  deliveryishPath,
  fc.webPath().map((p) => (p.startsWith("/") ? p : `/${p}`)),
  printable(200).map((s) => `/${s.replace(/ /g, "%20")}`),
  fc.constantFrom(
    "/",
    "*",
    "/oauth/token",
    "/OAUTH/TOKEN/",
    "/oauth/token/extra",
    "/healthz",
    "/readyz",
    "/dashboard",
    "/admin",
    "http://127.0.0.1/webhooks/spotnana",
    `/${"a/".repeat(1_000)}`,
    `/webhooks/spotnana/${"%41".repeat(1_000)}`,
  ),
);

export const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant("POST") },
  { weight: 4, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") },
);

export const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=utf-16",
      "application/json; charset=bogus",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "*/*",
      "",
    ),
    printable(60),
  ),
  { freq: 3, nil: undefined },
);

/** Headers that change HTTP framing (upgrade, chunking, 100-continue) are left out on purpose. */
export const extraHeaders = fc.array(
  fc.oneof(
    fc.tuple(headerName, printable(100)),
    fc.tuple(
      fc.constantFrom(
        "accept",
        "accept-encoding",
        "x-request-id",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-forwarded-for",
        "user-agent",
        "cookie",
        "origin",
        "api-version",
        "authorization",
        "x-spotnana-webhook-id",
        "webhook-signature",
        "content-type",
      ),
      printable(100),
    ),
  ),
  { maxLength: 4 },
);

export const apiVersion = fc.oneof(
  { weight: 6, arbitrary: fc.constant("2.0") },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom("2", "2.00", "v2.0", "2.0, 2.0", "", "2.0\t") },
  { weight: 1, arbitrary: printable(10) },
);

export const pathPlan: fc.Arbitrary<PathPlan> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: "shared" as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: "own" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "other" as const }) },
  { weight: 1, arbitrary: deliveryishPath.map((path) => ({ kind: "literal" as const, path })) },
);
