import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyNames } from "@skyhook/queue-kit";
import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { afterEach, describe, expect, it } from "vitest";
import { startIngress, testTokenSigningKey } from "./support/in-process.ts";
import { TokenAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const signingSecret = newSigningSecret();
const client = { clientId: "limits-client", clientSecret: "limits-client-secret-123" };
const otherClient = { clientId: "other-client", clientSecret: "other-client-secret-456" };
const subscriptionsFile = (() => {
  const file = join(mkdtempSync(join(tmpdir(), "skyhook-limits-")), "subscriptions.json");
  const subscription = {
    name: "limits",
    clientId: client.clientId,
    clientSecrets: [client.clientSecret],
    signingSecrets: [signingSecret],
  };
  const other = {
    name: "other",
    clientId: otherClient.clientId,
    clientSecret: otherClient.clientSecret,
  };
  writeFileSync(file, JSON.stringify([subscription, other]));
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
    TOKEN_SIGNING_KEY: testTokenSigningKey,
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

const tokenRequest = (baseUrl: string, secret: string, from: string, clientId = client.clientId) =>
  fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "x-forwarded-for": from },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
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

const retryAfterOf = (response: Response) => Number(response.headers.get("retry-after"));

describe("failed-authentication limits really slow guessing", () => {
  it("after 300 wrong secrets judges no more from that address: the right one is 429, while another address and another client get tokens", async () => {
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "30", AUTH_FAILURES_PER_CLIENT_ADDRESS: "10" },
      ownPrefix("limits-guessing"),
    );
    const guesses = await statusesOf(
      Array.from({ length: 300 }, (_, i) => () => tokenRequest(baseUrl, `guess-${i}`, shared)),
    );
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(guesses.slice(10)).toEqual(Array(290).fill(429));

    const right = await tokenRequest(baseUrl, client.clientSecret, shared);
    expect(right.status).toBe(429);
    expect(await right.json()).toMatchObject({ error: { code: "too_many_auth_failures" } });
    expect(retryAfterOf(right)).toBeGreaterThan(0);
    expect(retryAfterOf(right)).toBeLessThanOrEqual(60);
    expect(right.headers.get("cache-control")).toBe("no-store");
    expect(right.headers.get("www-authenticate")).toBeNull();

    expect((await tokenRequest(baseUrl, client.clientSecret, "198.51.100.9")).status).toBe(200);
    const other = await tokenRequest(
      baseUrl,
      otherClient.clientSecret,
      shared,
      otherClient.clientId,
    );
    expect(other.status).toBe(200);
    // A delivery signed by the real sender from that address is still judged and accepted.
    expect((await signedDelivery(baseUrl, shared)).status).toBe(200);
  });

  it("judges the right secret again once the window has passed", async () => {
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_CLIENT_ADDRESS: "3", AUTH_FAILURE_WINDOW_SEC: "1" },
      ownPrefix("limits-window-client"),
    );
    const statuses = await statusesOf([
      () => tokenRequest(baseUrl, "guess-1", shared),
      () => tokenRequest(baseUrl, "guess-2", shared),
      () => tokenRequest(baseUrl, "guess-3", shared),
      () => tokenRequest(baseUrl, client.clientSecret, shared),
    ]);
    expect(statuses).toEqual([401, 401, 401, 429]);
    await waitFor(
      "the failure window to pass",
      async () =>
        (await tokenRequest(baseUrl, client.clientSecret, shared)).status === 200
          ? true
          : undefined,
      10_000,
      250,
    );
  });

  it("judges guesses sent all at once one at a time, so no more than the limit are judged", async () => {
    const prefix = ownPrefix("limits-burst");
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "100", AUTH_FAILURES_PER_CLIENT_ADDRESS: "5" },
      prefix,
    );
    const burst = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const response = await tokenRequest(baseUrl, `burst-${i}`, shared);
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(burst.filter((status) => status === 401)).toHaveLength(5);
    expect(burst.filter((status) => status === 429)).toHaveLength(35);
    // Every judged failure is counted, so the count says how many of the 40 were judged.
    const redis = connect();
    try {
      const key = keyNames(prefix).authFailures("client", `${shared}|${client.clientId}`);
      expect(await redis.get(key)).toBe("5");
    } finally {
      redis.disconnect();
    }
    expect((await tokenRequest(baseUrl, client.clientSecret, shared)).status).toBe(429);
  });

  it("judges at most one guess more than the limit per extra replica when guesses are spread over replicas", async () => {
    const prefix = ownPrefix("limits-burst-replicas");
    const limits = { AUTH_FAILURES_PER_ADDRESS: "100", AUTH_FAILURES_PER_CLIENT_ADDRESS: "5" };
    const replicas = [await ingressWith(limits, prefix), await ingressWith(limits, prefix)];
    const burst = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const replica = replicas[i % 2] ?? replicas[0];
        const response = await tokenRequest(replica?.baseUrl ?? "", `burst-${i}`, shared);
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const redis = connect();
    try {
      const key = keyNames(prefix).authFailures("client", `${shared}|${client.clientId}`);
      const judged = Number(await redis.get(key));
      expect(judged).toBeGreaterThanOrEqual(5);
      expect(judged).toBeLessThanOrEqual(6);
      expect(burst.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    } finally {
      redis.disconnect();
    }
  });

  it("keeps counting guesses at a configured client from an address past its address limit", async () => {
    const { baseUrl } = await ingressWith(
      { AUTH_FAILURES_PER_ADDRESS: "3", AUTH_FAILURES_PER_CLIENT_ADDRESS: "5" },
      ownPrefix("limits-address-first"),
    );
    const invented = await statusesOf(
      Array.from({ length: 4 }, (_, i) => () => tokenRequest(baseUrl, "x", shared, `made-up-${i}`)),
    );
    expect(invented).toEqual([401, 401, 401, 429]);
    const atRealClient = await statusesOf(
      Array.from({ length: 5 }, (_, i) => () => tokenRequest(baseUrl, `guess-${i}`, shared)),
    );
    expect(atRealClient).toEqual([429, 429, 429, 429, 429]);
    expect((await tokenRequest(baseUrl, client.clientSecret, shared)).status).toBe(429);
    // Below its own limit, another client from the same address is still judged.
    const other = await tokenRequest(
      baseUrl,
      otherClient.clientSecret,
      shared,
      otherClient.clientId,
    );
    expect(other.status).toBe(200);
  });
});

describe("failed-authentication limits never lock out valid credentials", () => {
  it("serves the real client from an address whose other requests failed past the address limit", async () => {
    const { baseUrl } = await ingressWith({}, ownPrefix("limits-lockout"));
    const failures = await statusesOf(
      Array.from({ length: 10 }, () => () => badBearer(baseUrl, shared)),
    );
    expect(failures).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);

    const token = await tokenRequest(baseUrl, client.clientSecret, shared);
    expect(token.status).toBe(200);
    const { access_token: accessToken } = await jsonOf(token, TokenAnswer);

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
    expect(retryAfterOf(again)).toBeGreaterThan(0);
    expect(retryAfterOf(again)).toBeLessThanOrEqual(60);
    const forged = await signedDelivery(baseUrl, shared, newSigningSecret());
    expect(forged.status).toBe(429);
    expect(retryAfterOf(forged)).toBeGreaterThan(0);

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
