import { createHmac } from "node:crypto";
import { signature as sign } from "@skyhook/spotnana-sender";
import type { HeaderFamily, SendContext, SignatureField, SignaturePlan } from "./plan.ts";

/* The signature headers of a plan, signed at send time with the current clock. */

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

export function signatureHeaders(
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
