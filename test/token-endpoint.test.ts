import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { devClient, startIngress } from "./support/in-process.ts";
import { OAuthErrorAnswer, TokenAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("token");
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  ingress = await startIngress({ QUEUE_PREFIX: prefix, TOKEN_TTL_SEC: "900" });
});
afterAll(async () => {
  await ingress.close();
  const redis = connect();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields),
});
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

/** The token endpoint's answer to `init`, its body parsed as `schema`: a token or a refusal. */
async function postToken<Schema extends z.ZodType>(init: RequestInit, schema: Schema) {
  const response = await fetch(`${ingress.baseUrl}/oauth/token`, init);
  return { response, body: await jsonOf(response, schema) };
}

async function deliverWith(token: string) {
  return fetch(`${ingress.baseUrl}/webhooks/spotnana`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      event_type: "TRAVELER_V2",
      operation: "UPDATE",
      payload: { id: "u-1" },
    }),
  });
}

describe("POST /oauth/token", () => {
  it("issues a Bearer token for form-urlencoded client credentials, as Spotnana sends them", async () => {
    const { response, body } = await postToken(
      form({
        grant_type: "client_credentials",
        client_id: devClient.clientId,
        client_secret: devClient.clientSecret,
      }),
      TokenAnswer,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(900);
    const claims = jwt.decode(body.access_token, { complete: true });
    expect(claims?.header.alg).toBe("HS256");
    expect(claims?.payload).toMatchObject({
      sub: devClient.clientId,
      iss: "skyhook",
      aud: "skyhook-webhooks",
      jti: expect.any(String),
      exp: expect.any(Number),
    });
  });

  it("accepts HTTP Basic client authentication", async () => {
    const { response, body } = await postToken(
      {
        ...form({ grant_type: "client_credentials" }),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: basic(devClient.clientId, devClient.clientSecret),
        },
      },
      TokenAnswer,
    );
    expect(response.status).toBe(200);
    expect(typeof body.access_token).toBe("string");
  });

  it("accepts a JSON body", async () => {
    const { response } = await postToken(
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "client_credentials",
          client_id: devClient.clientId,
          client_secret: devClient.clientSecret,
        }),
      },
      TokenAnswer,
    );
    expect(response.status).toBe(200);
  });

  it("answers 401 invalid_client for a wrong secret, with a Basic challenge when Basic was used", async () => {
    const viaForm = await postToken(
      form({
        grant_type: "client_credentials",
        client_id: devClient.clientId,
        client_secret: "wrong-secret",
      }),
      OAuthErrorAnswer,
    );
    expect(viaForm.response.status).toBe(401);
    expect(viaForm.body.error).toBe("invalid_client");

    const viaBasic = await postToken(
      {
        ...form({ grant_type: "client_credentials" }),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: basic(devClient.clientId, "wrong-secret"),
        },
      },
      OAuthErrorAnswer,
    );
    expect(viaBasic.response.status).toBe(401);
    expect(viaBasic.response.headers.get("www-authenticate")).toMatch(/^Basic /);
  });

  it("answers 401 invalid_client for an unknown client", async () => {
    const { response, body } = await postToken(
      form({
        grant_type: "client_credentials",
        client_id: "nobody",
        client_secret: devClient.clientSecret,
      }),
      OAuthErrorAnswer,
    );
    expect(response.status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });

  it("answers 400 unsupported_grant_type for another grant, and invalid_request without one", async () => {
    const wrongGrant = await postToken(
      form({
        grant_type: "password",
        client_id: devClient.clientId,
        client_secret: devClient.clientSecret,
      }),
      OAuthErrorAnswer,
    );
    expect(wrongGrant.response.status).toBe(400);
    expect(wrongGrant.body.error).toBe("unsupported_grant_type");

    const noGrant = await postToken(
      form({ client_id: devClient.clientId, client_secret: devClient.clientSecret }),
      OAuthErrorAnswer,
    );
    expect(noGrant.response.status).toBe(400);
    expect(noGrant.body.error).toBe("invalid_request");
  });

  it("answers 400 invalid_request for a malformed JSON body", async () => {
    const { response, body } = await postToken(
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      },
      OAuthErrorAnswer,
    );
    expect(response.status).toBe(400);
    expect(body.error).toBe("invalid_request");
  });

  it("serves 50 concurrent token requests with the same credentials, and every token works at once", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        postToken(
          form({
            grant_type: "client_credentials",
            client_id: devClient.clientId,
            client_secret: devClient.clientSecret,
          }),
          TokenAnswer,
        ),
      ),
    );
    expect(results.map((r) => r.response.status)).toEqual(Array(50).fill(200));
    const tokens = results.map((r) => r.body.access_token);
    expect(new Set(tokens).size).toBe(50);

    const deliveries = await Promise.all(tokens.map(deliverWith));
    expect(deliveries.map((d) => d.status)).toEqual(Array(50).fill(200));
  });
});
