import { createHash, createHmac } from "node:crypto";
import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { envelope, pnrPayload, signature as sign } from "@skyhook/spotnana-sender";
import fc from "fast-check";
import type { FuzzSubscription, FuzzTarget } from "./fuzz-target.ts";
import type { WireRequest } from "./raw-http.ts";

/*
 * Generators of hostile requests for the ingress. A generated value is a *plan*: everything
 * that can be fixed in advance (bodies, mutations, header garbage) is fixed by the seed, and
 * what must be fresh when the request leaves (HMAC timestamps, the issued token, forged
 * token expiries) is filled in by `toWire` at send time, so a replayed seed still sends
 * current signatures.
 */

type SubscriptionKey = "hmac" | "oauth" | "strict";
type OAuthKey = "oauth" | "strict";

type TokenMutation =
  | { kind: "none" }
  | { kind: "truncate"; keep: number }
  | { kind: "flip"; at: number; char: string }
  | { kind: "append"; text: string }
  | { kind: "prepend"; text: string }
  | { kind: "dropSignature" }
  | { kind: "swapPayload"; claims: Record<string, unknown> }
  | { kind: "swapHeader"; header: Record<string, unknown> }
  | { kind: "garble"; segment: 0 | 1 | 2; text: string }
  | { kind: "swapCase" }
  | { kind: "repeat" };

const tokenDefects = [
  "expired",
  "notYetValid",
  "wrongIssuer",
  "wrongAudience",
  "unknownSubject",
  "noSubject",
  "numericSubject",
  "algNone",
  "algHS512",
  "wrongKey",
  "otherKid",
  "noKid",
] as const;
type TokenDefect = (typeof tokenDefects)[number];

type AuthorizationPlan =
  | { kind: "token"; sub: OAuthKey; scheme: string; gap: string; mutation: TokenMutation }
  | { kind: "forged"; sub: OAuthKey | "nobody"; defect: TokenDefect }
  | { kind: "literal"; value: string }
  | { kind: "basic"; user: string; pass: string };

type SignatureKey = "hmac" | "hmacPrevious" | "strict" | "stranger";
type HeaderFamily = "spotnana" | "standard";
type SignatureField = "id" | "timestamp" | "signature";

type SignatureMutation =
  | { kind: "none" }
  | { kind: "flip"; at: number; char: string }
  | { kind: "truncate"; keep: number }
  | { kind: "replace"; value: string }
  | { kind: "version"; prefix: string }
  | { kind: "stripPadding" }
  | { kind: "urlSafe" }
  | { kind: "otherId"; id: string }
  | { kind: "otherTimestamp"; deltaSec: number }
  | { kind: "otherBody" }
  | { kind: "drop"; field: SignatureField }
  | { kind: "empty"; field: SignatureField };

type Clock =
  | { kind: "now" }
  | { kind: "offset"; sec: number }
  | { kind: "literal"; value: string; signed: boolean };

type SignaturePlan = {
  key: SignatureKey;
  families: Record<SignatureField, HeaderFamily>;
  nameCase: "lower" | "title" | "upper";
  form: "bare" | "v1";
  id: string;
  clock: Clock;
  mutation: SignatureMutation;
  before: string[];
  after: string[];
  /** The same field under the other family's name, with garbage: which one wins? */
  shadow: { field: SignatureField; value: string } | undefined;
};

type PathPlan =
  | { kind: "shared" }
  | { kind: "own" }
  | { kind: "other" }
  | { kind: "literal"; path: string };

type EncodingPlan = {
  header: string | undefined;
  transform: "none" | "gzip" | "deflate" | "deflateRaw" | "br" | "truncated" | "corrupt";
  at: number;
};

export type Plan = {
  family: string;
  method: string;
  path: PathPlan;
  /** The body before any Content-Encoding: what a signature covers. */
  plain: Buffer;
  /** The bytes on the wire. */
  body: Buffer;
  encoding: EncodingPlan;
  contentType: string | undefined;
  authorization: AuthorizationPlan | undefined;
  signature: SignaturePlan | undefined;
  apiVersion: string | undefined;
  extraHeaders: Array<[string, string]>;
  /**
   * Built to be accepted: exactly one untouched credential, the right path, the required
   * header, a correctly encoded body. With a valid envelope within the limit, only 200 is right.
   */
  pristine: boolean;
};

export type SendContext = {
  target: FuzzTarget;
  issuedTokens: Readonly<Record<string, string>>;
  nowSec: number;
};

// ---------------------------------------------------------------------------------------------
// Small generators

// fast-check's default string unit is printable ASCII, the only safe alphabet for header values.
const printable = (maxLength: number, minLength = 0) => fc.string({ minLength, maxLength });
const trimmedPrintable = (maxLength: number) =>
  printable(maxLength, 1)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
const base64Char = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=.".split(""),
);
const headerName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/);
const utf8 = (text: string) => Buffer.from(text, "utf8");

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

const deliveryishPath = fc.oneof(
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

const anyPath = fc.oneof(
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

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant("POST") },
  { weight: 4, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") },
);

const contentType = fc.option(
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
const extraHeaders = fc.array(
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

const apiVersion = fc.oneof(
  { weight: 6, arbitrary: fc.constant("2.0") },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom("2", "2.00", "v2.0", "2.0, 2.0", "", "2.0\t") },
  { weight: 1, arbitrary: printable(10) },
);

// ---------------------------------------------------------------------------------------------
// Credentials

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

const validToken = fc.record({
  kind: fc.constant("token" as const),
  sub: fc.constantFrom<OAuthKey>("oauth", "strict"),
  scheme: fc.constantFrom("Bearer", "bearer", "BEARER"),
  gap: fc.constantFrom(" ", "  "),
  mutation: fc.constant<TokenMutation>({ kind: "none" }),
});

const hostileAuthorization: fc.Arbitrary<AuthorizationPlan> = fc.oneof(
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

const signatureToken = fc.oneof(
  fc.base64String({ minLength: 4, maxLength: 44 }),
  fc.base64String({ minLength: 4, maxLength: 44 }).map((s) => `v1,${s}`),
  fc.constantFrom("v2,abc=", "v1,", ",", "v1,v1,x", "v1", "=", "===="),
  fc.stringMatching(/^[!-~]{1,40}$/),
);

const signatureId = fc.oneof(
  fc.uuid().map((u) => `msg_${u}`),
  trimmedPrintable(60),
  fc.constantFrom("1", "123456", "a:b", "../x", "wh-1", "x".repeat(200), "msg_fixed"),
);

const families = fc.record({
  id: fc.constantFrom<HeaderFamily>("spotnana", "standard"),
  timestamp: fc.constantFrom<HeaderFamily>("spotnana", "standard"),
  signature: fc.constantFrom<HeaderFamily>("spotnana", "standard"),
});

const validSignature: fc.Arbitrary<SignaturePlan> = fc.record({
  key: fc.constantFrom<SignatureKey>("hmac", "hmacPrevious", "strict"),
  families,
  nameCase: fc.constantFrom("lower", "title", "upper"),
  form: fc.constantFrom("bare", "v1"),
  id: signatureId,
  clock: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Clock>({ kind: "now" }) },
    fc.record({ kind: fc.constant("offset" as const), sec: fc.integer({ min: -250, max: 50 }) }),
  ),
  mutation: fc.constant<SignatureMutation>({ kind: "none" }),
  before: fc.array(signatureToken, { maxLength: 3 }),
  after: fc.array(signatureToken, { maxLength: 3 }),
  shadow: fc.constant(undefined),
});

const signatureField = fc.constantFrom<SignatureField>("id", "timestamp", "signature");

const signatureMutation: fc.Arbitrary<SignatureMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), char: base64Char }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat({ max: 44 }) }),
  fc.record({ kind: fc.constant("replace" as const), value: printable(60) }),
  fc.record({
    kind: fc.constant("version" as const),
    prefix: fc.constantFrom("v2,", "V1,", "v1;", "v1 ,", "v0,", ",", "v1,v1,", "sha256="),
  }),
  fc.constant({ kind: "stripPadding" as const }),
  fc.constant({ kind: "urlSafe" as const }),
  fc.record({ kind: fc.constant("otherId" as const), id: signatureId }),
  fc.record({
    kind: fc.constant("otherTimestamp" as const),
    deltaSec: fc.integer({ min: -1_000, max: 1_000 }).filter((d) => d !== 0),
  }),
  fc.constant({ kind: "otherBody" as const }),
  fc.record({ kind: fc.constant("drop" as const), field: signatureField }),
  fc.record({ kind: fc.constant("empty" as const), field: signatureField }),
);

const hostileClock: fc.Arbitrary<Clock> = fc.oneof(
  fc.constant({ kind: "now" as const }),
  fc.record({
    kind: fc.constant("offset" as const),
    sec: fc.oneof(
      fc.constantFrom(-311, -301, -300, -299, 59, 61, 70),
      fc.integer({ min: -400, max: 100 }),
      fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
    ),
  }),
  fc.record({
    kind: fc.constant("literal" as const),
    value: fc.oneof(
      fc.constantFrom(
        "",
        "0",
        "-1",
        "1e9",
        "0x10",
        "1700000000.5",
        "99999999999999",
        "2026-01-01T00:00:00Z",
        "NaN",
        "Infinity",
        "+1700000000",
      ),
      printable(20),
    ),
    signed: fc.boolean(),
  }),
);

const hostileSignature: fc.Arbitrary<SignaturePlan> = fc.record({
  key: fc.constantFrom<SignatureKey>("hmac", "hmacPrevious", "strict", "stranger"),
  families,
  nameCase: fc.constantFrom("lower", "title", "upper"),
  form: fc.constantFrom("bare", "v1"),
  id: signatureId,
  clock: hostileClock,
  mutation: signatureMutation,
  before: fc.oneof(
    fc.array(signatureToken, { maxLength: 3 }),
    fc.array(signatureToken, { minLength: 20, maxLength: 60 }),
  ),
  after: fc.array(signatureToken, { maxLength: 3 }),
  shadow: fc.option(fc.record({ field: signatureField, value: printable(60) }), {
    freq: 4,
    nil: undefined,
  }),
});

type Auth = {
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

const auth = (validPercent: number) =>
  fc.oneof(
    { weight: validPercent, arbitrary: validAuth },
    { weight: 100 - validPercent, arbitrary: hostileAuth },
  );

const pathPlan: fc.Arbitrary<PathPlan> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: "shared" as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: "own" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "other" as const }) },
  { weight: 1, arbitrary: deliveryishPath.map((path) => ({ kind: "literal" as const, path })) },
);

// ---------------------------------------------------------------------------------------------
// Bodies

const fixedTimestamp = "2026-03-01T12:00:00Z";

const validEnvelope = fc
  .record({
    pnrId: fc.uuid().map((u) => `PNR-${u}`),
    operation: fc.constantFrom(
      "BOOKING_CREATED",
      "BOOKING_CREATED",
      "FLIGHT_CANCELLED",
      "FLIGHT_CANCELED",
      "BOOKING_OTHER_UPDATE",
      " booking_created ",
    ),
    eventType: fc.constantFrom("PNR_V3", "PNR_V3", "pnr_v3", "TRAVELER_V2", "TRIP_DETAILS_V3"),
  })
  .map(({ pnrId, operation, eventType }) => ({
    ...envelope(operation, pnrPayload({ pnrId }), eventType),
    timestamp: fixedTimestamp,
  }));

const routingValue = fc.oneof(
  fc.constantFrom<unknown>(
    "",
    " ",
    "PNR_V3",
    "pnr_v3",
    "BOOKING_CREATED",
    "FLIGHT_CANCELED",
    "x".repeat(128),
    "x".repeat(129),
    "__proto__",
    "constructor",
    "toString",
    "a:b",
    "{unrouted}",
    "pnr-v3.booking-created",
    "../..",
    "\u0000",
    "\ud800",
    "💥",
    0,
    -1,
    1e308,
    null,
    true,
    [],
    {},
    ["PNR_V3"],
    { id: "PNR_V3" },
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

const jsonPath = fc.array(fc.nat(), { minLength: 1, maxLength: 6 });

type JsonMutation =
  | { op: "delete"; at: number[] }
  | { op: "replace"; at: number[]; value: unknown }
  | { op: "retype"; at: number[]; to: "string" | "number" | "array" | "object" | "null" | "bool" }
  | { op: "routing"; field: string; value: unknown }
  | { op: "hostileKey"; at: number[]; key: string; value: unknown }
  | { op: "nest"; at: number[]; depth: number; shape: "array" | "object" }
  | { op: "huge"; at: number[]; length: number; char: string };

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: jsonPath }),
  fc.record({
    op: fc.constant("replace" as const),
    at: jsonPath,
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), routingValue),
  }),
  fc.record({
    op: fc.constant("retype" as const),
    at: jsonPath,
    to: fc.constantFrom("string", "number", "array", "object", "null", "bool"),
  }),
  fc.record({
    op: fc.constant("routing" as const),
    field: fc.constantFrom(
      "event_type",
      "eventType",
      "operation",
      "payload",
      "timestamp",
      "operationSummary",
    ),
    value: fc.oneof(routingValue, fc.constant(undefined)),
  }),
  fc.record({
    op: fc.constant("hostileKey" as const),
    at: fc.array(fc.nat(), { maxLength: 4 }),
    key: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", ""),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant({ polluted: true }),
      fc.constant({ prototype: { polluted: true } }),
    ),
  }),
  fc.record({
    op: fc.constant("nest" as const),
    at: fc.array(fc.nat(), { maxLength: 4 }),
    depth: fc.oneof(
      fc.integer({ min: 1, max: 100 }),
      fc.constantFrom(1_000, 3_000, 5_000, 10_000, 20_000, 30_000),
    ),
    shape: fc.constantFrom("array", "object"),
  }),
  fc.record({
    op: fc.constant("huge" as const),
    at: jsonPath,
    length: fc.oneof(fc.integer({ min: 100, max: 10_000 }), fc.constantFrom(60_000, 70_000)),
    char: fc.constantFrom("x", "é", "💥", "\u0000", '"', "\\"),
  }),
);

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;
const childKeys = (v: unknown): Array<string | number> =>
  Array.isArray(v) ? v.map((_, i) => i) : isContainer(v) ? Object.keys(v) : [];
const childOf = (parent: Container, key: string | number): unknown =>
  Array.isArray(parent) ? parent[Number(key)] : parent[String(key)];
/** defineProperty, so that `__proto__` becomes an own key that JSON.stringify writes out. */
function setChild(parent: Container, key: string | number, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else
    Object.defineProperty(parent, String(key), {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

/** Walks `at` as child indices (modulo the number of children); the last step is the target. */
function locate(root: Container, at: number[]): { parent: Container; key: string | number } {
  let parent = root;
  let keys = childKeys(parent);
  let key: string | number = keys[(at[0] ?? 0) % Math.max(1, keys.length)] ?? "added";
  for (const step of at.slice(1)) {
    const child = childOf(parent, key);
    keys = childKeys(child);
    if (!isContainer(child) || keys.length === 0) break;
    parent = child;
    key = keys[step % keys.length] ?? 0;
  }
  return { parent, key };
}

const retyped = (value: unknown, to: string): unknown => {
  switch (to) {
    case "string":
      return JSON.stringify(value) ?? "";
    case "number":
      return typeof value === "string" ? value.length : 42;
    case "array":
      return [value];
    case "object":
      return { value };
    case "bool":
      return Boolean(value);
    default:
      return null;
  }
};

/** Mutates a copy of `value`; deep nests become markers replaced in the text (no recursion). */
function mutateJson(value: object, mutations: JsonMutation[]): string {
  const root = structuredClone(value) as Container;
  const nests = new Map<string, string>();
  for (const m of mutations) {
    if (m.op === "routing") {
      if (m.value === undefined) delete (root as Record<string, unknown>)[m.field];
      else setChild(root, m.field, structuredClone(m.value));
      continue;
    }
    const { parent, key } = locate(root, m.at);
    switch (m.op) {
      case "delete":
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[String(key)];
        break;
      case "replace":
        setChild(parent, key, structuredClone(m.value));
        break;
      case "retype":
        setChild(parent, key, retyped(childOf(parent, key), m.to));
        break;
      case "hostileKey": {
        const child = childOf(parent, key);
        setChild(
          isContainer(child) && !Array.isArray(child) ? child : parent,
          m.key,
          structuredClone(m.value),
        );
        break;
      }
      case "nest": {
        const marker = `\u0000nest-${nests.size}`;
        const nested =
          m.shape === "array"
            ? `${"[".repeat(m.depth)}${"]".repeat(m.depth)}`
            : `${'{"a":'.repeat(m.depth)}1${"}".repeat(m.depth)}`;
        nests.set(JSON.stringify(marker), nested);
        setChild(parent, key, marker);
        break;
      }
      case "huge":
        setChild(parent, key, m.char.repeat(m.length));
        break;
    }
  }
  let text = JSON.stringify(root) ?? "null";
  for (const [marker, nested] of nests) text = text.replace(marker, nested);
  return text;
}

type TextMutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "duplicateKey"; first: boolean; key: string; json: string }
  | { op: "bom" }
  | { op: "pad"; spaces: number }
  | { op: "trailing"; text: string }
  | { op: "utf16" }
  | { op: "latin1" };

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({
    op: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(printable(10, 1), fc.constantFrom("\u0000", "\ud800", "\\u0000", '"', "}", ",")),
  }),
  fc.record({
    op: fc.constant("duplicateKey" as const),
    first: fc.boolean(),
    key: fc.constantFrom("event_type", "eventType", "operation", "payload", "__proto__"),
    json: fc.constantFrom(
      '"PNR_V3"',
      '"FLIGHT_CANCELLED"',
      "null",
      "{}",
      "[]",
      "1",
      '{"__proto__":{"x":1}}',
    ),
  }),
  fc.constant({ op: "bom" as const }),
  fc.record({ op: fc.constant("pad" as const), spaces: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ op: fc.constant("trailing" as const), text: printable(20, 1) }),
  fc.constant({ op: "utf16" as const }),
  fc.constant({ op: "latin1" as const }),
);

function mutateText(text: string, mutations: TextMutation[]): Buffer {
  let bytes = utf8(text);
  for (const m of mutations) {
    const at = (n: number) => (bytes.length === 0 ? 0 : n % bytes.length);
    switch (m.op) {
      case "flip": {
        if (bytes.length === 0) break;
        bytes = Buffer.from(bytes);
        const i = at(m.at);
        bytes[i] = (bytes[i] ?? 0) ^ (1 << m.bit);
        break;
      }
      case "truncate":
        bytes = bytes.subarray(0, at(m.at));
        break;
      case "insert": {
        const i = at(m.at);
        bytes = Buffer.concat([bytes.subarray(0, i), utf8(m.text), bytes.subarray(i)]);
        break;
      }
      case "duplicateKey": {
        const s = bytes.toString("utf8");
        const pair = `"${m.key}":${m.json}`;
        const out = m.first ? s.replace(/^\s*\{/, `{${pair},`) : s.replace(/\}\s*$/, `,${pair}}`);
        bytes = utf8(out);
        break;
      }
      case "bom":
        bytes = Buffer.concat([utf8("\ufeff"), bytes]);
        break;
      case "pad":
        bytes = Buffer.concat([utf8(" ".repeat(m.spaces)), bytes, utf8("\n".repeat(m.spaces))]);
        break;
      case "trailing":
        bytes = Buffer.concat([bytes, utf8(m.text)]);
        break;
      case "utf16":
        bytes = Buffer.from(bytes.toString("utf8"), "utf16le");
        break;
      case "latin1":
        bytes = Buffer.from(bytes.toString("utf8"), "latin1");
        break;
    }
  }
  return bytes;
}

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

const randomBody = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }).map((a) => Buffer.from(a)),
  printable(512).map(utf8),
  fc.string({ unit: "binary", maxLength: 256 }).map(utf8),
  fc.jsonValue({ maxDepth: 5 }).map((v) => utf8(JSON.stringify(v) ?? "null")),
  fc
    .record(
      {
        event_type: routingValue,
        eventType: routingValue,
        operation: routingValue,
        timestamp: fc.oneof(fc.jsonValue({ maxDepth: 1 }), routingValue),
        payload: fc.oneof(fc.object({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })),
        operationSummary: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => utf8(JSON.stringify(v) ?? "null")),
  fc
    .constantFrom(
      "",
      "null",
      "{}",
      "[]",
      '""',
      "0",
      "true",
      '{"payload":{}}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED"}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":[]}',
      '{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":null}',
      '{"__proto__":{"event_type":"PNR_V3"},"operation":"X","payload":{}}',
    )
    .map(utf8),
);

/** A valid envelope padded to exactly `bytes` (or cut, below its natural size). */
function sizedEnvelope(pnrId: string, bytes: number): Buffer {
  const base = { ...envelope("BOOKING_CREATED", pnrPayload({ pnrId })), timestamp: fixedTimestamp };
  const empty = JSON.stringify({ ...base, padding: "" });
  if (bytes <= empty.length) return utf8(empty.slice(0, bytes));
  return utf8(JSON.stringify({ ...base, padding: "x".repeat(bytes - empty.length) }));
}

const sizedBody = (limitBytes: number) =>
  fc
    .record({
      pnrId: fc.uuid().map((u) => `PNR-${u}`),
      bytes: fc.oneof(
        fc.integer({ min: limitBytes - 3, max: limitBytes + 3 }),
        fc.integer({ min: 0, max: limitBytes * 3 }),
        fc.constantFrom(0, 1, 2, limitBytes * 10),
      ),
    })
    .map(({ pnrId, bytes }) => sizedEnvelope(pnrId, bytes));

/** A small compressed body that inflates far beyond the limit; built once per encoding. */
const bombs = new Map<string, Buffer>();
function bombPlain(limitBytes: number): Buffer {
  const key = `plain-${limitBytes}`;
  const cached = bombs.get(key);
  if (cached !== undefined) return cached;
  const spaces = " ".repeat(limitBytes * 32);
  const plain = utf8(`{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":{}${spaces}}`);
  bombs.set(key, plain);
  return plain;
}

// ---------------------------------------------------------------------------------------------
// Encodings

const validEncoding: fc.Arbitrary<EncodingPlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ header: undefined, transform: "none" as const, at: 0 }) },
  fc.constantFrom<EncodingPlan>(
    { header: "identity", transform: "none", at: 0 },
    { header: "gzip", transform: "gzip", at: 0 },
    { header: "GZIP", transform: "gzip", at: 0 },
    { header: "deflate", transform: "deflate", at: 0 },
    { header: "br", transform: "br", at: 0 },
  ),
);

const anyEncoding: fc.Arbitrary<EncodingPlan> = fc.oneof(
  { weight: 3, arbitrary: validEncoding },
  {
    weight: 2,
    arbitrary: fc.record({
      header: fc.option(
        fc.oneof(
          fc.constantFrom(
            "identity",
            "gzip",
            "deflate",
            "br",
            "x-gzip",
            "gzip, identity",
            "identity, gzip",
            "compress",
            "zstd",
            "*",
            "",
          ),
          printable(20),
        ),
        { freq: 6, nil: undefined },
      ),
      transform: fc.constantFrom(
        "none",
        "gzip",
        "deflate",
        "deflateRaw",
        "br",
        "truncated",
        "corrupt",
      ),
      at: fc.nat(),
    }),
  },
);

/** Compressing the 2 MiB bomb anew for every run would dominate the run time. */
const encodedOnce = new WeakMap<Buffer, Map<string, Buffer>>();
function encode(plain: Buffer, plan: EncodingPlan): Buffer {
  if (plain.length < 1024 * 1024 || !["gzip", "deflate", "br"].includes(plan.transform)) {
    return encodeNow(plain, plan);
  }
  const byTransform = encodedOnce.get(plain) ?? new Map<string, Buffer>();
  encodedOnce.set(plain, byTransform);
  const cached = byTransform.get(plan.transform) ?? encodeNow(plain, plan);
  byTransform.set(plan.transform, cached);
  return cached;
}

function encodeNow(plain: Buffer, plan: EncodingPlan): Buffer {
  switch (plan.transform) {
    case "none":
      return plain;
    case "gzip":
      return gzipSync(plain);
    case "deflate":
      return deflateSync(plain);
    case "deflateRaw":
      return deflateRawSync(plain);
    case "br":
      return brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
    case "truncated": {
      const zipped = gzipSync(plain);
      return zipped.subarray(0, plan.at % Math.max(1, zipped.length));
    }
    case "corrupt": {
      const zipped = Buffer.from(gzipSync(plain));
      const i = plan.at % Math.max(1, zipped.length);
      zipped[i] = (zipped[i] ?? 0) ^ 0xff;
      return zipped;
    }
  }
}

const encodingIsValid = (plan: EncodingPlan) => {
  const header = (plan.header ?? "").trim().toLowerCase();
  if (plan.transform === "none") return header === "" || header === "identity";
  return ["gzip", "deflate", "br"].includes(plan.transform) && header === plan.transform;
};

// ---------------------------------------------------------------------------------------------
// Plans

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

const subscriptionSignedFor = (key: SignatureKey): SubscriptionKey | undefined =>
  key === "hmac" || key === "hmacPrevious" ? "hmac" : key === "strict" ? "strict" : undefined;

/** The subscription the credential speaks for, if any: "own" paths point at it. */
function ownSubscription(
  plan: Pick<Plan, "authorization" | "signature">,
): SubscriptionKey | undefined {
  const a = plan.authorization;
  if (a !== undefined && (a.kind === "token" || a.kind === "forged") && a.sub !== "nobody")
    return a.sub;
  return plan.signature === undefined ? undefined : subscriptionSignedFor(plan.signature.key);
}

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

export function describePlan(plan: Plan): string {
  const a = plan.authorization;
  const auth =
    a === undefined
      ? "no Authorization"
      : a.kind === "token"
        ? `token(${a.sub}, ${a.mutation.kind})`
        : a.kind === "forged"
          ? `forged(${a.sub}, ${a.defect})`
          : a.kind;
  const s = plan.signature;
  const sig =
    s === undefined ? "unsigned" : `signed(${s.key}, ${s.clock.kind}, ${s.mutation.kind})`;
  const path = plan.path.kind === "literal" ? plan.path.path : plan.path.kind;
  return `${plan.family}: ${plan.method} ${path}, ${plan.body.length} bytes, ${auth}, ${sig}, encoding ${plan.encoding.header ?? "-"}/${plan.encoding.transform}${plan.pristine ? ", pristine" : ""}`;
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

function planOf(parts: PlanParts): fc.Arbitrary<Plan> {
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

const noExtraHeaders = fc.constant<Array<[string, string]>>([]);
const someExtraHeaders = fc.oneof(
  { weight: 3, arbitrary: noExtraHeaders },
  { weight: 1, arbitrary: extraHeaders },
);

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

/** (d) sizes around and above the limit, and bodies that inflate beyond it. */
export const sizesAndEncodings = (limitBytes: number): fc.Arbitrary<Plan> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: planOf({
        family: "size",
        method: fc.constant("POST"),
        path: pathPlan,
        plain: sizedBody(limitBytes),
        encoding: anyEncoding,
        auth: auth(70),
        contentType,
        extraHeaders: noExtraHeaders,
      }),
    },
    {
      weight: 1,
      arbitrary: planOf({
        family: "bomb",
        method: fc.constant("POST"),
        path: pathPlan,
        plain: fc.constant(bombPlain(limitBytes)),
        encoding: fc.constantFrom<EncodingPlan>(
          { header: "gzip", transform: "gzip", at: 0 },
          { header: "deflate", transform: "deflate", at: 0 },
          { header: "br", transform: "br", at: 0 },
        ),
        auth: auth(70),
        contentType,
        extraHeaders: noExtraHeaders,
      }),
    },
  );

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

// ---------------------------------------------------------------------------------------------
// Materialising a plan at send time

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** The ingress's documented token format (HS256 JWT with kid = 16 hex of SHA-256 of the key). */
function forgeToken(
  target: FuzzTarget,
  subject: string,
  defect: TokenDefect,
  nowSec: number,
): string {
  const { signingKey, issuer, audience } = target.token;
  const header: Record<string, unknown> = {
    alg: "HS256",
    typ: "JWT",
    kid: createHash("sha256").update(signingKey, "utf8").digest("hex").slice(0, 16),
  };
  const claims: Record<string, unknown> = {
    iss: issuer,
    aud: audience,
    sub: subject,
    iat: nowSec,
    exp: nowSec + 600,
    jti: "fuzz",
  };
  let key: string | undefined = signingKey;
  let hash = "sha256";
  switch (defect) {
    case "expired":
      Object.assign(claims, { iat: nowSec - 900, exp: nowSec - 120 });
      break;
    case "notYetValid":
      claims.nbf = nowSec + 3_600;
      break;
    case "wrongIssuer":
      claims.iss = `${issuer}-other`;
      break;
    case "wrongAudience":
      claims.aud = `${audience}-other`;
      break;
    case "unknownSubject":
      claims.sub = "nobody";
      break;
    case "noSubject":
      delete claims.sub;
      break;
    case "numericSubject":
      claims.sub = 42;
      break;
    case "algNone":
      header.alg = "none";
      key = undefined;
      break;
    case "algHS512":
      header.alg = "HS512";
      hash = "sha512";
      break;
    case "wrongKey":
      key = `${signingKey}-but-not-quite`;
      break;
    case "otherKid":
      header.kid = "0000000000000000";
      break;
    case "noKid":
      delete header.kid;
      break;
  }
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    key === undefined ? "" : createHmac(hash, key).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

function mutateToken(token: string, m: TokenMutation): string {
  const [header = "", payload = "", signature = ""] = token.split(".");
  switch (m.kind) {
    case "none":
      return token;
    case "truncate":
      return token.slice(0, m.keep % token.length);
    case "flip": {
      const i = m.at % token.length;
      const replaced = token[i] === m.char ? (m.char === "A" ? "B" : "A") : m.char;
      return `${token.slice(0, i)}${replaced}${token.slice(i + 1)}`;
    }
    case "append":
      return `${token}${m.text}`;
    case "prepend":
      return `${m.text}${token}`;
    case "dropSignature":
      return `${header}.${payload}.`;
    case "swapPayload":
      return `${header}.${b64url(JSON.stringify(m.claims))}.${signature}`;
    case "swapHeader":
      return `${b64url(JSON.stringify(m.header))}.${payload}.${signature}`;
    case "garble": {
      const parts = [header, payload, signature];
      parts[m.segment] = b64url(m.text);
      return parts.join(".");
    }
    case "swapCase":
      return [...token]
        .map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
        .join("");
    case "repeat":
      return `${token} ${token}`;
  }
}

const subscriptionOf = (target: FuzzTarget, key: SubscriptionKey): FuzzSubscription => target[key];

function authorizationHeader(a: AuthorizationPlan, ctx: SendContext): string {
  switch (a.kind) {
    case "token": {
      const token = ctx.issuedTokens[subscriptionOf(ctx.target, a.sub).name] ?? "";
      return `${a.scheme}${a.gap}${mutateToken(token, a.mutation)}`;
    }
    case "forged": {
      const subject =
        a.sub === "nobody"
          ? "nobody"
          : (subscriptionOf(ctx.target, a.sub).oauth?.clientId ?? "nobody");
      return `Bearer ${forgeToken(ctx.target, subject, a.defect, ctx.nowSec)}`;
    }
    case "literal":
      return a.value;
    case "basic":
      return `Basic ${Buffer.from(`${a.user}:${a.pass}`, "utf8").toString("base64")}`;
  }
}

const headerNameOf = (
  family: HeaderFamily,
  field: SignatureField,
  nameCase: SignaturePlan["nameCase"],
) => {
  const name = family === "spotnana" ? `x-spotnana-webhook-${field}` : `webhook-${field}`;
  if (nameCase === "upper") return name.toUpperCase();
  if (nameCase === "title")
    return name.replace(
      /(^|-)([a-z])/g,
      (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`,
    );
  return name;
};

function signatureHeaders(
  s: SignaturePlan,
  plain: Buffer,
  ctx: SendContext,
): Array<[string, string]> {
  const secret =
    s.key === "hmac"
      ? ctx.target.hmac.signingSecrets[0]
      : s.key === "hmacPrevious"
        ? ctx.target.hmac.signingSecrets[1]
        : s.key === "strict"
          ? ctx.target.strict.signingSecrets[0]
          : ctx.target.strangerSecret;
  const key = secret ?? ctx.target.strangerSecret;
  const bodyText = plain.toString("utf8");
  const timestampSec = s.clock.kind === "offset" ? ctx.nowSec + s.clock.sec : ctx.nowSec;
  let timestamp = String(timestampSec);
  let signature: string;
  if (s.clock.kind === "literal" && s.clock.signed) {
    // The sending side signs Unix seconds only; a literal, non-numeric timestamp is signed here.
    timestamp = s.clock.value;
    signature = createHmac("sha256", Buffer.from(key.replace(/^whsec_/, ""), "base64"))
      .update(`${s.id}.${timestamp}.`)
      .update(plain)
      .digest("base64");
  } else {
    signature = sign(
      key,
      s.id,
      timestampSec,
      s.mutation.kind === "otherBody" ? `${bodyText} ` : bodyText,
    );
    if (s.clock.kind === "literal") timestamp = s.clock.value;
  }
  let id = s.id;
  const m = s.mutation;
  switch (m.kind) {
    case "flip": {
      const i = m.at % signature.length;
      const replaced = signature[i] === m.char ? (m.char === "A" ? "B" : "A") : m.char;
      signature = `${signature.slice(0, i)}${replaced}${signature.slice(i + 1)}`;
      break;
    }
    case "truncate":
      signature = signature.slice(0, m.keep);
      break;
    case "replace":
      signature = m.value;
      break;
    case "stripPadding":
      signature = signature.replace(/=+$/, "");
      break;
    case "urlSafe":
      signature = signature.replace(/\+/g, "-").replace(/\//g, "_");
      break;
    case "otherId":
      id = m.id === id ? `${id}x` : m.id;
      break;
    case "otherTimestamp":
      timestamp = String(Number(timestamp) + m.deltaSec);
      break;
    default:
      break;
  }
  const value =
    m.kind === "version"
      ? `${m.prefix}${signature}`
      : s.form === "v1"
        ? `v1,${signature}`
        : signature;
  const values: Record<SignatureField, string> = {
    id,
    timestamp,
    signature: [...s.before, value, ...s.after].join(" "),
  };
  const headers: Array<[string, string]> = [];
  for (const field of ["id", "timestamp", "signature"] as const) {
    if (m.kind === "drop" && m.field === field) continue;
    const v = m.kind === "empty" && m.field === field ? "" : values[field];
    headers.push([headerNameOf(s.families[field], field, s.nameCase), v]);
    if (s.shadow?.field === field) {
      const other = s.families[field] === "spotnana" ? "standard" : "spotnana";
      headers.push([headerNameOf(other, field, s.nameCase), s.shadow.value]);
    }
  }
  return headers;
}

function pathOf(plan: Plan, target: FuzzTarget): string {
  const own = ownSubscription(plan);
  switch (plan.path.kind) {
    case "shared":
      return "/webhooks/spotnana";
    case "own":
      return own === undefined ? "/webhooks/spotnana" : `/webhooks/spotnana/${target[own].name}`;
    case "other": {
      const other = (["hmac", "oauth", "strict"] as const).find((k) => k !== own) ?? "oauth";
      return `/webhooks/spotnana/${target[other].name}`;
    }
    case "literal":
      return plan.path.path;
  }
}

/** The request as it leaves, with a fresh token, fresh signatures and the current time. */
export function toWire(plan: Plan, ctx: SendContext): WireRequest {
  const headers: Array<[string, string]> = [];
  if (plan.contentType !== undefined) headers.push(["content-type", plan.contentType]);
  if (plan.encoding.header !== undefined) headers.push(["content-encoding", plan.encoding.header]);
  if (plan.authorization !== undefined)
    headers.push(["authorization", authorizationHeader(plan.authorization, ctx)]);
  if (plan.signature !== undefined)
    headers.push(...signatureHeaders(plan.signature, plan.plain, ctx));
  if (plan.apiVersion !== undefined) headers.push(["API-Version", plan.apiVersion]);
  headers.push(...plan.extraHeaders);
  return { method: plan.method, path: pathOf(plan, ctx.target), headers, body: plan.body };
}
