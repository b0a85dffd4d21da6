import { createHmac } from "node:crypto";
import { unescape as formUnescape } from "node:querystring";
import { gunzipSync, inflateSync } from "node:zlib";
import { parseEnvelope } from "@skyhook/contracts";
import { type FuzzSubscription, type FuzzTarget, subscriptionsOf } from "./fuzz-target.ts";
import type { WireRequest } from "./raw-http.ts";

/*
 * The fuzz harness's own judgement of a request, written from the README's contract, not from
 * the ingress's code. Every check here leans towards "may be fine": the invariant it feeds is
 * one-way (a 200 implies the harness agrees the request was authenticated and valid), so
 * leniency can only hide a bug, never invent one.
 */

/** Values of one header as Node hands them to the app: names case-insensitive, OWS trimmed. */
function valuesOf(wire: WireRequest, name: string): string[] {
  return wire.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim());
}

/** Each value alone and, when repeated, joined as Node joins unknown duplicate headers. */
function candidatesOf(wire: WireRequest, ...names: string[]): string[] {
  return names.flatMap((name) => {
    const values = valuesOf(wire, name);
    return values.length > 1 ? [...values, values.join(", ")] : values;
  });
}

export type DecodedBody =
  | { kind: "ok"; bytes: Buffer }
  | { kind: "too-large" }
  | { kind: "undecodable" };

/**
 * The body the app sees after Content-Encoding is undone, capped like the README says the
 * ingress caps it: gzip and deflate only (anything else is 415), at most `limitBytes` once
 * decoded and at most `maxCompressionRatio` times the compressed size plus 64 KiB.
 */
export function decodedBody(
  wire: WireRequest,
  limitBytes: number,
  maxCompressionRatio: number,
): DecodedBody {
  const encodings = valuesOf(wire, "content-encoding");
  const encoding = (encodings.length > 1 ? encodings.join(", ") : (encodings[0] ?? ""))
    .toLowerCase()
    .trim();
  const decodedLimit = Math.min(limitBytes, wire.body.length * maxCompressionRatio + 64 * 1024);
  const options = { maxOutputLength: decodedLimit + 1 };
  let bytes: Buffer;
  try {
    if (encoding === "" || encoding === "identity") bytes = wire.body;
    else if (encoding === "gzip" || encoding === "x-gzip") bytes = gunzipSync(wire.body, options);
    else if (encoding === "deflate") bytes = inflateSync(wire.body, options);
    else return { kind: "undecodable" };
  } catch (err) {
    const tooLarge = err instanceof RangeError || String(err).includes("maxOutputLength");
    return tooLarge ? { kind: "too-large" } : { kind: "undecodable" };
  }
  const limit = encoding === "" || encoding === "identity" ? limitBytes : decodedLimit;
  return bytes.length > limit ? { kind: "too-large" } : { kind: "ok", bytes };
}

/** A transfer coding other than chunked, which the README says is answered 501. */
export function hasUnsupportedTransferCoding(wire: WireRequest): boolean {
  return valuesOf(wire, "transfer-encoding").some((v) => v.toLowerCase() !== "chunked");
}

/** What the README calls a valid envelope: JSON (read as UTF-8) that parseEnvelope accepts. */
/** The ingress's documented nesting limit (README: malformed_json beyond 64 levels). */
const maxDepth = 64;

/** Nesting depth of a parsed JSON value, measured without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

export function isValidEnvelope(bytes: Buffer): boolean {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return false;
  }
  return depthOf(value) <= maxDepth && parseEnvelope(value).ok;
}

type Named =
  | { kind: "shared" }
  | { kind: "named"; name: string }
  | { kind: "unknown" }
  | { kind: "any" };

/**
 * Which subscription a delivery path names. Anything this reading is not sure about (a
 * fragment, a backslash, an undecodable segment, no route at all) is "any": no restriction.
 */
function namedSubscription(path: string, target: FuzzTarget): Named {
  if (/[#\\]/.test(path)) return { kind: "any" };
  const pathname = path.split("?")[0] ?? "";
  const match = /^\/webhooks\/spotnana(?:\/([^/]+))?\/?$/i.exec(pathname);
  if (match === null) return { kind: "any" };
  const segment = match[1];
  if (segment === undefined) return { kind: "shared" };
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return { kind: "any" };
  }
  return subscriptionsOf(target).some((s) => s.name === name)
    ? { kind: "named", name }
    : { kind: "unknown" };
}

const timestampSlackSec = 5;

/**
 * The README's HMAC contract: key = Base64 of the `whsec_` secret, message
 * `{id}.{timestamp}.{raw body}`, HMAC-SHA256, Base64; several space-separated signatures,
 * bare or `v1,`-prefixed, any match accepts; timestamp within 300 s past / 60 s future.
 * Every id × timestamp × signature combination of either header family is tried.
 */
function signatureMatches(
  wire: WireRequest,
  body: Buffer,
  subscription: FuzzSubscription,
  nowSec: number,
): boolean {
  const ids = candidatesOf(wire, "x-spotnana-webhook-id", "webhook-id");
  const timestamps = candidatesOf(wire, "x-spotnana-webhook-timestamp", "webhook-timestamp");
  const given = candidatesOf(wire, "x-spotnana-webhook-signature", "webhook-signature")
    .flatMap((header) => header.split(/\s+/))
    .flatMap((token) => {
      const comma = token.indexOf(",");
      if (comma !== -1 && token.slice(0, comma) !== "v1") return [];
      return [Buffer.from(comma === -1 ? token : token.slice(comma + 1), "base64")];
    })
    .filter((signature) => signature.length > 0);
  if (given.length === 0) return false;
  for (const timestamp of timestamps) {
    if (!/^\d+$/.test(timestamp)) continue;
    const ageSec = nowSec - Number(timestamp);
    if (ageSec > 300 + timestampSlackSec || -ageSec > 60 + timestampSlackSec) continue;
    for (const id of ids) {
      for (const secret of subscription.signingSecrets) {
        const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
        const expected = createHmac("sha256", key)
          .update(`${id}.${timestamp}.`)
          .update(body)
          .digest();
        if (given.some((signature) => signature.equals(expected))) return true;
      }
    }
  }
  return false;
}

/**
 * Whether the app certainly sees all three signature parts ("yes"), certainly not ("no"), or
 * the harness cannot tell for sure (duplicates, empty values): then it does not insist.
 */
function signaturePartsSent(wire: WireRequest): "yes" | "no" | "unsure" {
  const fields = ["id", "timestamp", "signature"].map((field) => {
    const spotnana = valuesOf(wire, `x-spotnana-webhook-${field}`);
    const standard = valuesOf(wire, `webhook-${field}`);
    if (spotnana.length === 0 && standard.length === 0) return "no";
    const single = (values: string[]) => values.length === 1 && values[0] !== "";
    if (single(spotnana) || (spotnana.length === 0 && single(standard))) return "yes";
    return "unsure";
  });
  if (fields.includes("no")) return "no";
  return fields.every((f) => f === "yes") ? "yes" : "unsure";
}

function requiredHeadersMatch(wire: WireRequest, subscription: FuzzSubscription): boolean {
  return Object.entries(subscription.requiredHeaders).every(([name, value]) =>
    candidatesOf(wire, name).includes(value),
  );
}

/**
 * May the ingress rightly have authenticated this delivery? Yes only if it carries a token the
 * harness obtained from /oauth/token (on the shared URL or its own subscription's, with a
 * verifying signature if it sent one to a subscription that has secrets), or a signature the
 * harness could verify with a secret of a subscription the path allows; and the subscription's
 * required headers.
 */
export function mayBeAuthenticated(
  wire: WireRequest,
  body: Buffer,
  target: FuzzTarget,
  issuedTokens: Readonly<Record<string, string>>,
  nowSec: number,
): boolean {
  const named = namedSubscription(wire.path, target);
  if (named.kind === "unknown") return false;
  const pathAllows = (s: FuzzSubscription) =>
    named.kind === "shared" || named.kind === "any" || named.name === s.name;
  const authorizations = valuesOf(wire, "authorization");
  const byToken = subscriptionsOf(target).some((s) => {
    const token = issuedTokens[s.name];
    if (token === undefined || !authorizations.some((value) => value.includes(token))) return false;
    const signatureOk =
      s.signingSecrets.length === 0 ||
      signaturePartsSent(wire) !== "yes" ||
      signatureMatches(wire, body, s, nowSec);
    return pathAllows(s) && signatureOk && requiredHeadersMatch(wire, s);
  });
  if (byToken) return true;
  return subscriptionsOf(target).some(
    (s) =>
      s.signingSecrets.length > 0 &&
      pathAllows(s) &&
      signatureMatches(wire, body, s, nowSec) &&
      requiredHeadersMatch(wire, s),
  );
}

/** May a token request rightly have succeeded: does it carry an OAuth client's secret anywhere? */
export function mayHoldClientCredentials(
  wire: WireRequest,
  body: Buffer,
  target: FuzzTarget,
): boolean {
  const texts = [body.toString("utf8"), body.toString("latin1"), body.toString("utf16le")];
  texts.push(...texts.map((text) => formUnescape(text.replace(/\+/g, " "))));
  try {
    texts.push(JSON.stringify(JSON.parse(body.toString("utf8"))));
  } catch {
    // Not JSON: the raw and form-decoded readings above are all there is.
  }
  for (const value of valuesOf(wire, "authorization")) {
    const basic = /^basic\s+(.*)$/i.exec(value)?.[1];
    if (basic === undefined) continue;
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    texts.push(decoded, formUnescape(decoded));
  }
  return subscriptionsOf(target).some((s) => {
    const secret = s.oauth?.clientSecret;
    return secret !== undefined && texts.some((text) => text.includes(secret));
  });
}
