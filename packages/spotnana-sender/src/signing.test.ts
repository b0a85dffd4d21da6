import { describe, expect, it } from "vitest";
import { newSigningSecret, signature, signedHeaders } from "./signing.ts";

/** The Standard Webhooks specification's published example, which Spotnana's scheme mirrors. */
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestampSec: 1_614_265_330,
  body: '{"test": 2432232314}',
  signature: "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signing as Spotnana does", () => {
  it("computes the published known-answer signature", () => {
    expect(signature(vector.secret, vector.id, vector.timestampSec, vector.body)).toBe(
      vector.signature,
    );
  });

  it("puts id, Unix-seconds timestamp and bare Base64 signature under Spotnana's header names", () => {
    const { timestampSec, id } = vector;
    expect(signedHeaders(vector.secret, vector.body, { id, timestampSec })).toEqual({
      "x-spotnana-webhook-id": id,
      "x-spotnana-webhook-timestamp": "1614265330",
      "x-spotnana-webhook-signature": vector.signature,
    });
    expect(
      signedHeaders(vector.secret, vector.body, {
        id,
        timestampSec,
        form: "v1",
        names: "standard",
      }),
    ).toEqual({
      "webhook-id": id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": `v1,${vector.signature}`,
    });
  });

  it("signs now with a new delivery id when none is given", () => {
    const before = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(newSigningSecret(), "{}");
    expect(headers["x-spotnana-webhook-id"]).toMatch(/^msg_[0-9a-f]{16}$/);
    expect(Number(headers["x-spotnana-webhook-timestamp"])).toBeGreaterThanOrEqual(before);
  });

  it("makes whsec_ secrets of 24 random bytes", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(24);
    expect(newSigningSecret()).not.toBe(secret);
  });
});
