import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyNames } from "@skyhook/queue-kit";
import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { afterEach, describe, expect, it } from "vitest";
import { startIngress } from "./support/in-process.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const signingSecret = newSigningSecret();
const client = { clientId: "limits-client", clientSecret: "limits-client-secret-123" };
const subscriptionsFile = (() => {
  const file = join(mkdtempSync(join(tmpdir(), "skyhook-limits-")), "subscriptions.json");
  const subscription = {
    name: "limits",
    clientId: client.clientId,
    clientSecrets: [client.clientSecret],
    signingSecrets: [signingSecret],
  };
  writeFileSync(file, JSON.stringify([subscription]));
  return file;
})();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One ingress behind a trusted proxy, so each test picks the source address it claims. */
async function ingressWith(env: Record<string, string>, prefix: string) {
  const ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_FILE: subscriptionsFile,
    TRUST_PROXY: "loopback",
    AUTH_FAILURES_PER_ADDRESS: "5",
    AUTH_FAILURES_PER_CLIENT_ADDRESS: "5",
    AUTH_FAILURE_WINDOW_SEC: "60",
    ...env,
  });
  cleanups.push(() => ingress.close());
  // Until its connection is ready the ingress counts nothing (it never waits on Redis to judge).
  await waitFor("the ingress to be ready", async () => {
    const response = await fetch(`${ingress.opsUrl}/readyz`);
    return response.status === 200 ? true : undefined;
  });
  return ingress;
}

function ownPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  cleanups.push(async () => {
    const redis = connect();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  return prefix;
}

const tokenRequest = (baseUrl: string, secret: string, from: string) =>
  fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "x-forwarded-for": from },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: secret,
    }),
  });

const signedDelivery = (baseUrl: string, from: string, secret = signingSecret) => {
  const body = JSON.stringify(envelope("BOOKING_CREATED", pnrPayload()));
  return fetch(`${baseUrl}/webhooks/spotnana`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": from,
      ...signedHeaders(secret, body),
    },
    body,
  });
};

const badBearer = (baseUrl: string, from: string) =>
  fetch(`${baseUrl}/webhooks/spotnana`, {
    method: "POST",
    headers: { authorization: "Bearer not-a-token", "x-forwarded-for": from },
    body: "{}",
  });

async function statusesOf(requests: Array<() => Promise<Response>>): Promise<number[]> {
  const statuses: number[] = [];
  for (const request of requests) {
    const response = await request();
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

const shared = "192.0.2.10";

describe("failed-authentication limits never lock out valid credentials", () => {
  it("serves the real client from an address that failed past the limit; further wrong secrets get 429", async () => {
    const { baseUrl } = await ingressWith({}, ownPrefix("limits-lockout"));
    const guesses = await statusesOf(
      Array.from({ length: 10 }, (_, i) => () => tokenRequest(baseUrl, `guess-${i}`, shared)),
    );
    expect(guesses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(guesses.slice(5)).toEqual([429, 429, 429, 429, 429]);

    const token = await tokenRequest(baseUrl, client.clientSecret, shared);
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };

    expect((await signedDelivery(baseUrl, shared)).status).toBe(200);
    const byToken = await fetch(`${baseUrl}/webhooks/spotnana`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${accessToken}`,
        "x-forwarded-for": shared,
      },
      body: JSON.stringify(envelope("BOOKING_CREATED", pnrPayload())),
    });
    expect(byToken.status).toBe(200);

    const again = await tokenRequest(baseUrl, "one-more-guess", shared);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    const forged = await signedDelivery(baseUrl, shared, newSigningSecret());
    expect(forged.status).toBe(429);
    expect(Number(forged.headers.get("retry-after"))).toBeGreaterThan(0);

    // Another address has a count of its own.
    expect((await tokenRequest(baseUrl, "guess", "198.51.100.9")).status).toBe(401);
  });

  it("shares one count across ingress replicas and across the token and delivery routes", async () => {
    const prefix = ownPrefix("limits-shared");
    const first = await ingressWith({}, prefix);
    const second = await ingressWith({}, prefix);
    const spread = await statusesOf([
      () => tokenRequest(first.baseUrl, "guess-1", shared),
      () => tokenRequest(second.baseUrl, "guess-2", shared),
      () => badBearer(first.baseUrl, shared),
      () => signedDelivery(second.baseUrl, shared, newSigningSecret()),
      () => tokenRequest(first.baseUrl, "guess-3", shared),
    ]);
    expect(spread).toEqual([401, 401, 401, 401, 401]);

    // Five failures, on two replicas and two routes: the sixth is limited on either.
    expect((await badBearer(second.baseUrl, shared)).status).toBe(429);
    expect((await tokenRequest(first.baseUrl, "guess-4", shared)).status).toBe(429);
    expect((await signedDelivery(first.baseUrl, shared, newSigningSecret())).status).toBe(429);
    expect((await tokenRequest(second.baseUrl, client.clientSecret, shared)).status).toBe(200);
  });

  it("counts per claimed client and address below the address limit", async () => {
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "100", AUTH_FAILURES_PER_CLIENT_ADDRESS: "2" },
      ownPrefix("limits-client"),
    );
    const statuses = await statusesOf(
      Array.from({ length: 3 }, (_, i) => () => tokenRequest(baseUrl, `guess-${i}`, shared)),
    );
    expect(statuses).toEqual([401, 401, 429]);
    // Failures that claim no client at all count for the address only.
    const unclaimed = await statusesOf([1, 2, 3].map(() => () => badBearer(baseUrl, shared)));
    expect(unclaimed).toEqual([401, 401, 401]);
  });

  it("keeps no per-client count for an address already over its limit, however many client ids it invents", async () => {
    const prefix = ownPrefix("limits-keys");
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "3", AUTH_FAILURES_PER_CLIENT_ADDRESS: "3" },
      prefix,
    );
    const claiming = (clientId: string) =>
      fetch(`${baseUrl}/oauth/token`, {
        method: "POST",
        headers: { "x-forwarded-for": shared },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: clientId,
          client_secret: "guess",
        }),
      });
    const statuses = await statusesOf(
      Array.from({ length: 10 }, (_, i) => () => claiming(`invented-${i}`)),
    );
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    const redis = connect();
    try {
      const clientKeys: string[] = [];
      let cursor = "0";
      do {
        const [next, found] = await redis.scan(
          cursor,
          "MATCH",
          `${keyNames(prefix).authFailures("client", "")}*`,
          "COUNT",
          1_000,
        );
        clientKeys.push(...found);
        cursor = next;
      } while (cursor !== "0");
      expect(clientKeys).toHaveLength(3);
    } finally {
      redis.disconnect();
    }
  });

  it("forgets failures once the window has passed", async () => {
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "2", AUTH_FAILURE_WINDOW_SEC: "1" },
      ownPrefix("limits-window"),
    );
    const statuses = await statusesOf([
      () => tokenRequest(baseUrl, "guess-1", shared),
      () => tokenRequest(baseUrl, "guess-2", shared),
      () => tokenRequest(baseUrl, "guess-3", shared),
    ]);
    expect(statuses).toEqual([401, 401, 429]);
    await waitFor(
      "the failure window to pass",
      async () =>
        (await tokenRequest(baseUrl, "later-guess", shared)).status === 401 ? true : undefined,
      10_000,
      250,
    );
  });
});

describe("failed-authentication limits when Redis is unreachable", () => {
  it("keeps issuing tokens and answers wrong secrets 401, counting nothing", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.kill());
    const { baseUrl } = await ingressWith(
      { REDIS_URL: redis.url, AUTH_FAILURES_PER_ADDRESS: "2" },
      uniquePrefix("limits-down"),
    );
    const counted = await statusesOf(
      [1, 2, 3].map(() => () => tokenRequest(baseUrl, "guess", shared)),
    );
    expect(counted).toEqual([401, 401, 429]);

    await redis.kill();
    const statuses = await statusesOf([
      () => tokenRequest(baseUrl, "guess-after", shared),
      () => tokenRequest(baseUrl, client.clientSecret, shared),
      () => tokenRequest(baseUrl, "guess-again", shared),
      () => tokenRequest(baseUrl, client.clientSecret, "198.51.100.9"),
    ]);
    expect(statuses).toEqual([401, 200, 401, 200]);
  });
});
