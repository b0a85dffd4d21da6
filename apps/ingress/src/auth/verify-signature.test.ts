import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signingKeyOf } from "../subscriptions/signing-secret.ts";
import { verifySignature } from "./verify-signature.ts";

/** The Standard Webhooks specification's published example, which Spotnana's scheme mirrors. */
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: Buffer.from('{"test": 2432232314}'),
  signature: "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const key = signingKeyOf(vector.secret) ?? Buffer.alloc(0);
const at = Number(vector.timestamp);
const window = { pastSec: 300, futureSec: 60 };
const sign = (id: string, timestamp: string, body: Buffer, signingKey = key) =>
  createHmac("sha256", signingKey).update(`${id}.${timestamp}.`).update(body).digest("base64");
const check = (
  signatureHeader: string,
  overrides: Partial<typeof vector> = {},
  nowSec = at,
  keys = [key],
) => verifySignature({ ...vector, ...overrides, signatureHeader }, keys, window, nowSec);

describe("verifySignature", () => {
  it("accepts the published known-answer vector as bare Base64", () => {
    expect(check(vector.signature)).toEqual({ ok: true });
  });

  it("accepts the vector in Standard Webhooks' v1,<base64> form", () => {
    expect(check(`v1,${vector.signature}`)).toEqual({ ok: true });
  });

  it("accepts when any of several space-separated signatures matches (rotation)", () => {
    const other = createHmac("sha256", Buffer.alloc(32, 7)).update("x").digest("base64");
    expect(check(`v1,${other} v1,${vector.signature}`)).toEqual({ ok: true });
    expect(check(`${other}  ${vector.signature}`)).toEqual({ ok: true });
  });

  it("accepts any one of several signatures: the matching one first, last, or in between", () => {
    const other = (n: number) =>
      createHmac("sha256", Buffer.alloc(32, n)).update("x").digest("base64");
    expect(check(`${vector.signature} ${other(1)}`)).toEqual({ ok: true });
    expect(check(`v1,${other(1)} v1,${vector.signature} v1,${other(2)}`)).toEqual({ ok: true });
    expect(check(`v1,${other(1)} v1,${other(2)}`)).toEqual({
      ok: false,
      reason: "no signature matches",
    });
  });

  it("verifies the raw bytes: the same JSON with other whitespace is refused", () => {
    const signed = Buffer.from('{"event_type":"PNR_V3","payload":{"pnrId":"P1"}}');
    const header = sign(vector.id, vector.timestamp, signed);
    expect(check(header, { body: signed })).toEqual({ ok: true });
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(signed.toString()), null, 2));
    expect(JSON.parse(reformatted.toString())).toEqual(JSON.parse(signed.toString()));
    expect(check(header, { body: reformatted })).toEqual({
      ok: false,
      reason: "no signature matches",
    });
  });

  it("accepts a signature without its Base64 padding", () => {
    expect(check(vector.signature.replace(/=+$/, ""))).toEqual({ ok: true });
  });

  it("refuses a signature with characters around its Base64", () => {
    for (const header of [
      `!${vector.signature}`,
      `${vector.signature}!`,
      `v1,*${vector.signature}`,
    ])
      expect(check(header)).toEqual({ ok: false, reason: "no v1 signature in the header" });
  });

  it("accepts with any configured key: the new one and the previous one during rotation", () => {
    const next = Buffer.alloc(32, 9);
    expect(check(vector.signature, {}, at, [next, key])).toEqual({ ok: true });
    const signedWithNext = createHmac("sha256", next)
      .update(`${vector.id}.${vector.timestamp}.`)
      .update(vector.body)
      .digest("base64");
    expect(check(signedWithNext, {}, at, [next, key])).toEqual({ ok: true });
    expect(check(signedWithNext, {}, at, [key])).toMatchObject({ ok: false });
  });

  it("refuses a signature over a body that differs by one byte", () => {
    expect(check(vector.signature, { body: Buffer.from('{"test": 2432232315}') })).toEqual({
      ok: false,
      reason: "no signature matches",
    });
  });

  it("refuses when the id or the timestamp was changed", () => {
    expect(check(vector.signature, { id: "msg_other" })).toMatchObject({ ok: false });
    expect(check(vector.signature, { timestamp: "1614265331" }, at + 1)).toMatchObject({
      ok: false,
    });
  });

  it("ignores tokens of another version and fails if no v1 token is left", () => {
    expect(check(`v2,${vector.signature}`)).toEqual({
      ok: false,
      reason: "no v1 signature in the header",
    });
    expect(check(`v2,abc v1,${vector.signature}`)).toEqual({ ok: true });
    expect(check("v1,not*base64")).toEqual({ ok: false, reason: "no v1 signature in the header" });
  });

  it("refuses a truncated signature of the right prefix", () => {
    expect(check(vector.signature.slice(0, 20))).toMatchObject({ ok: false });
  });

  it("refuses a timestamp older than the window, or too far in the future", () => {
    expect(check(vector.signature, {}, at + 301)).toEqual({
      ok: false,
      reason: "timestamp is too old",
    });
    expect(check(vector.signature, {}, at + 300)).toEqual({ ok: true });
    expect(check(vector.signature, {}, at - 61)).toEqual({
      ok: false,
      reason: "timestamp is in the future",
    });
    expect(check(vector.signature, {}, at - 60)).toEqual({ ok: true });
  });

  it("accepts an old timestamp when the window is switched off (late Spotnana retries)", () => {
    const result = verifySignature(
      { ...vector, signatureHeader: vector.signature },
      [key],
      false,
      at + 86_400 * 10,
    );
    expect(result).toEqual({ ok: true });
  });

  it("refuses a timestamp that is not Unix seconds, even when the signature covers it", () => {
    for (const timestamp of ["2021-02-25T15:02:10Z", "1614265330.5", "x1614265330", "1614265330x"])
      expect(check(sign(vector.id, timestamp, vector.body), { timestamp })).toEqual({
        ok: false,
        reason: "timestamp is not Unix seconds",
      });
  });
});

describe("signingKeyOf", () => {
  it("strips whsec_ and decodes Base64", () => {
    expect(signingKeyOf(vector.secret)?.toString("base64")).toBe(
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    expect(signingKeyOf("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toEqual(key);
  });

  it("refuses a secret that is not Base64 or too short to be a key", () => {
    expect(signingKeyOf("whsec_not base64!")).toBeUndefined();
    expect(signingKeyOf("whsec_YWJj")).toBeUndefined();
  });
});
