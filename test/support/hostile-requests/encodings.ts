import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { printable } from "./generators.ts";
import type { EncodingPlan } from "./plan.ts";

/* Content-Encoding: valid codings, mislabelled, truncated and corrupt ones. */

export const validEncoding: fc.Arbitrary<EncodingPlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ header: undefined, transform: "none" as const, at: 0 }) },
  fc.constantFrom<EncodingPlan>(
    { header: "identity", transform: "none", at: 0 },
    { header: "gzip", transform: "gzip", at: 0 },
    { header: "GZIP", transform: "gzip", at: 0 },
    { header: "deflate", transform: "deflate", at: 0 },
    { header: "br", transform: "br", at: 0 },
  ),
);

export const anyEncoding: fc.Arbitrary<EncodingPlan> = fc.oneof(
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
export function encode(plain: Buffer, plan: EncodingPlan): Buffer {
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

export const encodingIsValid = (plan: EncodingPlan) => {
  const header = (plan.header ?? "").trim().toLowerCase();
  if (plan.transform === "none") return header === "" || header === "identity";
  return ["gzip", "deflate", "br"].includes(plan.transform) && header === plan.transform;
};
