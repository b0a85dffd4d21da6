import { createHash } from "node:crypto";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import jwt from "jsonwebtoken";
import { afterEach, describe, expect, it } from "vitest";
import { devClient, startIngress } from "./support/in-process.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ingressWith(env: Record<string, string>, prefix = uniquePrefix("harden")) {
  const ingress = await startIngress({ QUEUE_PREFIX: prefix, ...env });
  cleanups.push(async () => {
    await ingress.close();
    const redis = connect();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  // Failures are counted in Redis: until the connection is ready, none would be.
  await waitFor("the ingress to be ready", async () => {
    const response = await fetch(`${ingress.opsUrl}/readyz`);
    return response.status === 200 ? true : undefined;
  });
  return ingress;
}

const tokenRequest = (baseUrl: string, secret: string, from: string) =>
  fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "x-forwarded-for": from },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: devClient.clientId,
      client_secret: secret,
    }),
  });

describe("failed-authentication limits", () => {
  it("answers 429 with Retry-After to an address that keeps failing for a client, judging nothing more from it, while that client is served from any other address", async () => {
    const { baseUrl } = await ingressWith({
      TRUST_PROXY: "loopback",
      AUTH_FAILURES_PER_CLIENT_ADDRESS: "5",
      AUTH_FAILURES_PER_ADDRESS: "8",
      AUTH_FAILURE_WINDOW_SEC: "60",
    });
    const attacker = "203.0.113.7";
    const spotnana = "198.51.100.9";
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++)
      guesses.push((await tokenRequest(baseUrl, `guess-${i}`, attacker)).status);
    expect(guesses).toEqual([401, 401, 401, 401, 401]);

    const blocked = await tokenRequest(baseUrl, "guess-5", attacker);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(blocked.headers.get("cache-control")).toBe("no-store");

    const sameAddress = await tokenRequest(baseUrl, devClient.clientSecret, attacker);
    expect(sameAddress.status).toBe(429);

    const legitimate = await tokenRequest(baseUrl, devClient.clientSecret, spotnana);
    expect(legitimate.status).toBe(200);
  });

  it("counts failed deliveries per address too, and never counts successful ones", async () => {
    const { baseUrl } = await ingressWith({
      TRUST_PROXY: "loopback",
      AUTH_FAILURES_PER_ADDRESS: "3",
      AUTH_FAILURES_PER_CLIENT_ADDRESS: "3",
    });
    const client = createSendingNode({ url: baseUrl, auth: { mode: "oauth", ...devClient } });
    const body = envelope("BOOKING_CREATED", pnrPayload());

    const good = await Promise.all(
      Array.from({ length: 20 }, () => client.deliver(body, { "x-forwarded-for": "198.51.100.9" })),
    );
    expect(good.every((r) => r.status === 200)).toBe(true);

    const bad = (from: string) =>
      fetch(`${baseUrl}/webhooks/spotnana`, {
        method: "POST",
        headers: { authorization: "Bearer nope", "x-forwarded-for": from },
        body: "{}",
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await bad("203.0.113.7")).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await client.deliver(body, { "x-forwarded-for": "198.51.100.9" })).status).toBe(200);
    expect((await client.deliver(body, { "x-forwarded-for": "203.0.113.7" })).status).toBe(200);
  });
});

/** The development client named explicitly: with a signing key set, no default steps in. */
const devClientEnv = {
  SPOTNANA_CLIENT_ID: devClient.clientId,
  SPOTNANA_CLIENT_SECRET: devClient.clientSecret,
};

describe("token signing keys", () => {
  const first = "first-signing-key-0123456789-0123456789";
  const second = "second-signing-key-0123456789-0123456789";
  const sharedPrefix = uniquePrefix("keys");

  it("keeps tokens signed with the previous key valid after a key change", async () => {
    const before = await ingressWith({ ...devClientEnv, TOKEN_SIGNING_KEY: first }, sharedPrefix);
    const oldToken = await createSendingNode({
      url: before.baseUrl,
      auth: { mode: "oauth", ...devClient },
    }).fetchToken();
    expect(jwt.decode(oldToken, { complete: true })?.header.kid).toMatch(/^[0-9a-f]{16}$/);

    const rotated = await ingressWith(
      { ...devClientEnv, TOKEN_SIGNING_KEY: second, TOKEN_PREVIOUS_SIGNING_KEYS: first },
      sharedPrefix,
    );
    const accepted = await fetch(`${rotated.baseUrl}/webhooks/spotnana`, {
      method: "POST",
      headers: { authorization: `Bearer ${oldToken}`, "content-type": "application/json" },
      body: JSON.stringify(envelope("BOOKING_CREATED", pnrPayload())),
    });
    expect(accepted.status).toBe(200);

    const retired = await ingressWith({ ...devClientEnv, TOKEN_SIGNING_KEY: second }, sharedPrefix);
    const refused = await fetch(`${retired.baseUrl}/webhooks/spotnana`, {
      method: "POST",
      headers: { authorization: `Bearer ${oldToken}` },
      body: JSON.stringify(envelope("BOOKING_CREATED", pnrPayload())),
    });
    expect(refused.status).toBe(401);
  });

  it("refuses a token whose key id is unknown, even if signed with a configured key", async () => {
    const ingress = await ingressWith({ ...devClientEnv, TOKEN_SIGNING_KEY: first });
    const claims = { sub: devClient.clientId, iss: "skyhook", aud: "skyhook-webhooks" };
    const forged = jwt.sign(claims, first, {
      algorithm: "HS256",
      keyid: "0000000000000000",
      expiresIn: 60,
    });
    const noKid = jwt.sign(claims, first, { algorithm: "HS256", expiresIn: 60 });
    const statuses = await Promise.all(
      [forged, noKid].map((t) =>
        fetch(`${ingress.baseUrl}/webhooks/spotnana`, {
          method: "POST",
          headers: { authorization: `Bearer ${t}` },
          body: "{}",
        }),
      ),
    );
    expect(statuses.map((r) => r.status)).toEqual([401, 401]);
  });
});

describe("token verification is pinned", () => {
  const key = "pinned-signing-key-0123456789-0123456789";
  const kid = createHash("sha256").update(key).digest("hex").slice(0, 16);
  const claims = {
    sub: devClient.clientId,
    iss: "skyhook",
    aud: "skyhook-webhooks",
    jti: "pinned",
  };

  it("refuses another HMAC algorithm, a token not yet valid, and a wrong issuer or audience", async () => {
    const ingress = await ingressWith({ ...devClientEnv, TOKEN_SIGNING_KEY: key });
    const tokens = [
      jwt.sign(claims, key, { algorithm: "HS512", keyid: kid, expiresIn: 60 }),
      jwt.sign(claims, key, { algorithm: "HS256", keyid: kid, expiresIn: 600, notBefore: 300 }),
      jwt.sign({ ...claims, iss: "someone-else" }, key, {
        algorithm: "HS256",
        keyid: kid,
        expiresIn: 60,
      }),
      jwt.sign({ ...claims, aud: "another-api" }, key, {
        algorithm: "HS256",
        keyid: kid,
        expiresIn: 60,
      }),
    ];
    const valid = jwt.sign(claims, key, { algorithm: "HS256", keyid: kid, expiresIn: 60 });
    const post = (t: string) =>
      fetch(`${ingress.baseUrl}/webhooks/spotnana`, {
        method: "POST",
        headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
        body: JSON.stringify(envelope("BOOKING_CREATED", pnrPayload())),
      }).then((r) => r.status);
    expect(await Promise.all(tokens.map(post))).toEqual([401, 401, 401, 401]);
    expect(await post(valid)).toBe(200);
  });
});
