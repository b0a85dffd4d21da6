import fc from "fast-check";
import { base64Char, printable, trimmedPrintable } from "./generators.ts";
import type {
  Clock,
  HeaderFamily,
  SignatureField,
  SignatureKey,
  SignatureMutation,
  SignaturePlan,
} from "./plan.ts";

/* HMAC signatures: valid ones under every header spelling, and mutated, shadowed, mistimed ones. */

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

export const validSignature: fc.Arbitrary<SignaturePlan> = fc.record({
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

export const hostileSignature: fc.Arbitrary<SignaturePlan> = fc.record({
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
