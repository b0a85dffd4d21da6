import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { newSigningSecret, signedHeaders } from "@skyhook/spotnana-sender";
import express, { type ErrorRequestHandler } from "express";
import { afterAll, describe, expect, it } from "vitest";
import { createAccessTokens } from "../auth/access-tokens.ts";
import { createClientRegistry } from "../auth/client-registry.ts";
import type { IngressError } from "../errors.ts";
import {
  type Subscription,
  SubscriptionEntry,
  toSubscription,
} from "../subscriptions/subscription.ts";
import { createDeliveryCredentials } from "./credentials.ts";

/**
 * The delivery credentials judged as the delivery route judges them — `beforeBody` on the
 * headers, the raw body read only if that passed, then `afterBody` — in a real Express app
 * over real HTTP, with real tokens and signatures. Each answer says which half refused it: a
 * sender refused before the body costs no body read.
 */
const nowSec = 1_800_000_000;
const tokens = createAccessTokens({
  signingKey: "a-signing-key-of-at-least-32-characters-0123",
  issuer: "skyhook",
  audience: "skyhook-webhooks",
  maxTtlSec: 3_600,
});
const otherIssuer = createAccessTokens({
  signingKey: "another-key-of-at-least-32-characters-456789",
  issuer: "skyhook",
  audience: "skyhook-webhooks",
  maxTtlSec: 3_600,
});

const secret = {
  a: newSigningSecret(),
  b: newSigningSecret(),
  both: newSigningSecret(),
  guarded: newSigningSecret(),
  stranger: newSigningSecret(),
};

const subscriptionOfEntry = (entry: unknown) =>
  toSubscription(SubscriptionEntry.parse(entry), { pastSec: 300, futureSec: 60 });

const hmacA = subscriptionOfEntry({
  name: "hmac-a",
  signingSecrets: [secret.a],
  timestampTolerance: { pastSec: 300, futureSec: 60 },
});
const hmacB = subscriptionOfEntry({
  name: "hmac-b",
  signingSecrets: [secret.b],
  timestampTolerance: false,
});
const oauthOnly = subscriptionOfEntry({
  name: "oauth-only",
  clientId: "client-oauth",
  clientSecret: "oauth-secret-1",
});
const both = subscriptionOfEntry({
  name: "both",
  clientId: "client-both",
  clientSecret: "both-secret-1",
  signingSecrets: [secret.both],
});
const guarded = subscriptionOfEntry({
  name: "guarded",
  clientId: "client-guarded",
  clientSecret: "guarded-secret-1",
  signingSecrets: [secret.guarded],
  requiredHeaders: { "X-Partner-Key": "acme" },
});
const everyone = [hmacA, hmacB, oauthOnly, both, guarded];

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

type Deliver = (
  path: string,
  headers: Record<string, string>,
  body?: string,
) => Promise<{ status: number; body: Record<string, unknown> }>;

async function start(subscriptions: readonly Subscription[]): Promise<Deliver> {
  const credentials = createDeliveryCredentials({
    subscriptions,
    tokens,
    clients: createClientRegistry(subscriptions),
    nowSec: () => nowSec,
  });
  const readRaw = express.raw({ type: () => true });
  /** The refusal, with the half that raised it and the subscription claimed for counting. */
  const refusal = (error: IngressError, half: string, name: string | undefined) =>
    Object.assign(error, { refusedBy: half, claimed: credentials.claimedSubscription(name) });
  const app = express();
  app.post(["/d", "/d/:subscription"], (req, res, next) => {
    const named = req.params.subscription;
    const name = typeof named === "string" ? named : undefined;
    const before = credentials.beforeBody(name, req.headers);
    if (!before.ok) {
      next(refusal(before.error, "beforeBody", name));
      return;
    }
    readRaw(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
        return;
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const after = credentials.afterBody(before.value, req.headers, body);
      if (!after.ok) {
        next(refusal(after.error, "afterBody", name));
        return;
      }
      res.json({
        subscription: after.value.subscription.name,
        authMode: after.value.mode,
        claimed: credentials.claimedSubscription(name),
      });
    });
  });
  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status ?? 500).json({
      code: err.code,
      message: err.message,
      refusedBy: err.refusedBy,
      challenge: err.challenge,
      claimed: err.claimed,
    });
  };
  app.use(errors);
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return async (path, headers, body) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

/**
 * Started by the first test that delivers, not at import nor in a `beforeAll`: a fault in
 * setting the authenticator up must fail tests. Stryker's vitest runner counts only tests that
 * ran, so an error at import or in a hook would let the mutant that caused it survive.
 */
let shared: Promise<Deliver> | undefined;
const deliver: Deliver = async (path, headers, sent) => {
  shared ??= start(everyone);
  return (await shared)(path, headers, sent);
};
const body = '{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":{}}';
const signed = (key: string, options: Parameters<typeof signedHeaders>[2] = {}) =>
  signedHeaders(key, body, { timestampSec: nowSec, ...options });
const bearer = (clientId: string) => ({ authorization: `Bearer ${tokens.issue(clientId, 600)}` });

const accepted = (subscription: string, authMode: "hmac" | "oauth", claimed = subscription) => ({
  status: 200,
  body: { subscription, authMode, claimed },
});

const noCredentials = {
  code: "unauthorized",
  message: "a Bearer access token or a Spotnana signature is required",
  refusedBy: "beforeBody",
  challenge: 'Bearer realm="skyhook"',
};
const badToken = {
  code: "unauthorized",
  message: expect.stringMatching(/^the access token is invalid or expired \(.+\)$/),
  refusedBy: "beforeBody",
  challenge: 'Bearer realm="skyhook", error="invalid_token"',
};
const signatureRefused = (reason: string, refusedBy = "afterBody") => ({
  code: "unauthorized",
  message: `signature refused: ${reason}`,
  refusedBy,
  challenge: 'Spotnana-Signature realm="skyhook"',
});

describe("delivery authentication: HMAC signatures", () => {
  it("accepts a delivery signed for the subscription its path names", async () => {
    expect(await deliver("/d/hmac-a", signed(secret.a), body)).toEqual(accepted("hmac-a", "hmac"));
  });

  it("finds the subscription by its signature when the path names none", async () => {
    expect(await deliver("/d", signed(secret.b), body)).toEqual(accepted("hmac-b", "hmac", "-"));
  });

  it("reads the Standard Webhooks header names and the v1, form", async () => {
    const headers = signed(secret.a, { names: "standard", form: "v1" });
    expect(await deliver("/d/hmac-a", headers, body)).toEqual(accepted("hmac-a", "hmac"));
  });

  it("falls back to the Standard Webhooks name when a Spotnana header is empty", async () => {
    const standard = signed(secret.a, { names: "standard" });
    const headers = {
      ...standard,
      "x-spotnana-webhook-id": "",
      "x-spotnana-webhook-timestamp": "",
      "x-spotnana-webhook-signature": "",
    };
    expect(await deliver("/d/hmac-a", headers, body)).toEqual(accepted("hmac-a", "hmac"));
  });

  it("verifies a signature over an empty body when none is sent", async () => {
    const headers = signedHeaders(secret.a, "", { timestampSec: nowSec });
    expect(await deliver("/d/hmac-a", headers)).toEqual(accepted("hmac-a", "hmac"));
  });

  it("refuses a body other than the one signed", async () => {
    const answer = await deliver("/d/hmac-a", signed(secret.a), `${body} `);
    expect(answer).toEqual({
      status: 401,
      body: { ...signatureRefused("no signature matches"), claimed: "hmac-a" },
    });
  });

  it("checks only the key of the subscription the path names", async () => {
    const answer = await deliver("/d/hmac-a", signed(secret.b), body);
    expect(answer).toEqual({
      status: 401,
      body: { ...signatureRefused("no signature matches"), claimed: "hmac-a" },
    });
  });

  it("applies each subscription's own timestamp window, before the body is read", async () => {
    const hourOld = { timestampSec: nowSec - 3_600 };
    expect(await deliver("/d/hmac-b", signed(secret.b, hourOld), body)).toEqual(
      accepted("hmac-b", "hmac"),
    );
    expect(await deliver("/d/hmac-a", signed(secret.a, hourOld), body)).toEqual({
      status: 401,
      body: { ...signatureRefused("timestamp is too old", "beforeBody"), claimed: "hmac-a" },
    });
    const early = { timestampSec: nowSec + 120 };
    expect(await deliver("/d/hmac-a", signed(secret.a, early), body)).toEqual({
      status: 401,
      body: { ...signatureRefused("timestamp is in the future", "beforeBody"), claimed: "hmac-a" },
    });
    expect(
      await deliver("/d/hmac-a", signed(secret.a, { timestampSec: nowSec - 299 }), body),
    ).toEqual(accepted("hmac-a", "hmac"));
  });

  it("verifies the body only against the subscriptions whose window admits the timestamp", async () => {
    for (const order of [
      [hmacA, hmacB],
      [hmacB, hmacA],
    ]) {
      const only = await start(order);
      const answer = await only(
        "/d",
        signed(secret.stranger, { timestampSec: nowSec - 3_600 }),
        body,
      );
      expect(answer).toEqual({
        status: 401,
        body: { ...signatureRefused("no signature matches"), claimed: "-" },
      });
      // hmac-a's window refuses an hour-old timestamp: its own valid signature is never tried.
      const late = await only("/d", signed(secret.a, { timestampSec: nowSec - 3_600 }), body);
      expect(late.body.message).toBe("signature refused: no signature matches");
    }
  });

  it("says why, before the body, when no subscription's window admits the timestamp", async () => {
    const windowed = await start([hmacA]);
    expect(await windowed("/d", signed(secret.a, { timestampSec: nowSec - 3_600 }), body)).toEqual({
      status: 401,
      body: { ...signatureRefused("timestamp is too old", "beforeBody"), claimed: "-" },
    });
    expect(
      await windowed(
        "/d",
        { ...signed(secret.a), "x-spotnana-webhook-timestamp": "2026-01-01T00:00:00Z" },
        body,
      ),
    ).toEqual({
      status: 401,
      body: { ...signatureRefused("timestamp is not Unix seconds", "beforeBody"), claimed: "-" },
    });
  });

  it("refuses, before the body, signature headers that carry no v1 HMAC-SHA256 signature", async () => {
    for (const signature of ["v2,abc", "not*base64", Buffer.alloc(20).toString("base64")]) {
      const headers = { ...signed(secret.a), "x-spotnana-webhook-signature": signature };
      expect(await deliver("/d/hmac-a", headers, body)).toEqual({
        status: 401,
        body: {
          ...signatureRefused("no v1 signature in the header", "beforeBody"),
          claimed: "hmac-a",
        },
      });
    }
  });

  it.each([
    "x-spotnana-webhook-id",
    "x-spotnana-webhook-timestamp",
    "x-spotnana-webhook-signature",
  ])("refuses, unread, a delivery whose %s is missing", async (missing) => {
    const headers: Record<string, string> = signed(secret.a);
    delete headers[missing];
    expect(await deliver("/d/hmac-a", headers, body)).toEqual({
      status: 401,
      body: { ...noCredentials, claimed: "hmac-a" },
    });
  });

  it.each([
    ["x-spotnana-webhook-id", "webhook-id"],
    ["x-spotnana-webhook-timestamp", "webhook-timestamp"],
    ["x-spotnana-webhook-signature", "webhook-signature"],
  ])(
    "refuses, unread, a delivery whose %s is empty under both names",
    async (spotnana, standard) => {
      const headers = { ...signed(secret.a), [spotnana]: "", [standard]: "" };
      expect(await deliver("/d/hmac-a", headers, body)).toEqual({
        status: 401,
        body: { ...noCredentials, claimed: "hmac-a" },
      });
    },
  );

  it("refuses, unread, a delivery with no credentials at all", async () => {
    expect(await deliver("/d", {}, body)).toEqual({
      status: 401,
      body: { ...noCredentials, claimed: "-" },
    });
  });

  it("refuses, unread, a signed delivery to a subscription without signing secrets", async () => {
    expect(await deliver("/d/oauth-only", signed(secret.a), body)).toEqual({
      status: 401,
      body: { ...noCredentials, claimed: "oauth-only" },
    });
  });

  it("refuses, unread, a signed delivery when no subscription uses signatures", async () => {
    const oauthOnlyIngress = await start([oauthOnly]);
    expect(await oauthOnlyIngress("/d", signed(secret.a), body)).toEqual({
      status: 401,
      body: { ...noCredentials, claimed: "-" },
    });
  });
});

describe("delivery authentication: the subscription in the path", () => {
  it("refuses an unknown subscription before anything else", async () => {
    expect(await deliver("/d/nobody", signed(secret.a), body)).toEqual({
      status: 401,
      body: {
        code: "unauthorized",
        message: "unknown subscription",
        refusedBy: "beforeBody",
        challenge: 'Bearer realm="skyhook"',
        claimed: "nobody",
      },
    });
  });

  it("claims at most 64 characters of the name for failure counting", async () => {
    const long = "x".repeat(80);
    expect((await deliver(`/d/${long}`, {}, body)).body.claimed).toBe("x".repeat(64));
  });
});

describe("delivery authentication: OAuth tokens", () => {
  it("accepts a valid token for the subscription the path names, or with no path", async () => {
    expect(await deliver("/d/oauth-only", bearer("client-oauth"), body)).toEqual(
      accepted("oauth-only", "oauth"),
    );
    expect(await deliver("/d", bearer("client-oauth"), body)).toEqual(
      accepted("oauth-only", "oauth", "-"),
    );
  });

  it("reads the scheme in any case, with any number of spaces", async () => {
    const token = tokens.issue("client-oauth", 600);
    expect(await deliver("/d", { authorization: `bearer   ${token}` }, body)).toEqual(
      accepted("oauth-only", "oauth", "-"),
    );
  });

  it("refuses, unread, a valid token of another subscription than the path names", async () => {
    expect(await deliver("/d/both", bearer("client-oauth"), body)).toEqual({
      status: 401,
      body: { ...badToken, claimed: "both" },
    });
  });

  it.each([
    ["a token signed with another key", () => `Bearer ${otherIssuer.issue("client-oauth", 600)}`],
    ["a token of a client no subscription has", () => `Bearer ${tokens.issue("client-gone", 600)}`],
    [
      "another scheme",
      () => `Basic ${Buffer.from("client-oauth:oauth-secret-1").toString("base64")}`,
    ],
    ["the scheme alone", () => "Bearer"],
    ["text before the scheme", () => `NotBearer ${tokens.issue("client-oauth", 600)}`],
    ["text after the token", () => `Bearer ${tokens.issue("client-oauth", 600)} extra`],
    ["a character no token has", () => `Bearer ${tokens.issue("client-oauth", 600)}!`],
  ])("refuses, unread, %s", async (_what, authorization) => {
    expect(await deliver("/d", { authorization: authorization() }, body)).toEqual({
      status: 401,
      body: { ...badToken, claimed: "-" },
    });
  });

  it("lets a token alone authenticate a subscription without signing secrets, whatever signature headers come with it", async () => {
    const headers = { ...bearer("client-oauth"), ...signed(secret.stranger) };
    expect(await deliver("/d/oauth-only", headers, body)).toEqual(accepted("oauth-only", "oauth"));
  });
});

describe("delivery authentication: both, during a migration", () => {
  it("accepts a token alone", async () => {
    expect(await deliver("/d/both", bearer("client-both"), body)).toEqual(
      accepted("both", "oauth"),
    );
  });

  it("counts a delivery with a token and a valid signature as signed", async () => {
    const headers = { ...bearer("client-both"), ...signed(secret.both) };
    expect(await deliver("/d", headers, body)).toEqual(accepted("both", "hmac", "-"));
  });

  it("never ignores a bad signature sent with a valid token", async () => {
    const headers = { ...bearer("client-both"), ...signed(secret.stranger) };
    expect(await deliver("/d/both", headers, body)).toEqual({
      status: 401,
      body: { ...signatureRefused("no signature matches"), claimed: "both" },
    });
  });

  it("checks a signature against the token's subscription only", async () => {
    const headers = { ...bearer("client-both"), ...signed(secret.a) };
    expect(await deliver("/d", headers, body)).toEqual({
      status: 401,
      body: { ...signatureRefused("no signature matches"), claimed: "-" },
    });
  });
});

describe("delivery authentication: required headers", () => {
  const refused = {
    status: 401,
    body: {
      code: "unauthorized",
      message: "a required header is missing or wrong",
      refusedBy: "afterBody",
      challenge: 'Bearer realm="skyhook"',
      claimed: "guarded",
    },
  };

  it("accepts a signed delivery carrying every required header", async () => {
    const headers = { ...signed(secret.guarded), "x-partner-key": "acme" };
    expect(await deliver("/d/guarded", headers, body)).toEqual(accepted("guarded", "hmac"));
  });

  it("refuses a signed delivery without a required header or with another value", async () => {
    expect(await deliver("/d/guarded", signed(secret.guarded), body)).toEqual(refused);
    const wrong = { ...signed(secret.guarded), "x-partner-key": "acme2" };
    expect(await deliver("/d/guarded", wrong, body)).toEqual(refused);
  });

  it("asks a token-authenticated delivery for them too", async () => {
    expect(await deliver("/d/guarded", bearer("client-guarded"), body)).toEqual(refused);
    const headers = { ...bearer("client-guarded"), "X-Partner-Key": "acme" };
    expect(await deliver("/d/guarded", headers, body)).toEqual(accepted("guarded", "oauth"));
  });
});

describe("delivery authentication: afterBody fails closed", () => {
  it("refuses a claim of neither a token nor a signature", () => {
    const credentials = createDeliveryCredentials({
      subscriptions: everyone,
      tokens,
      clients: createClientRegistry(everyone),
      nowSec: () => nowSec,
    });
    const judged = credentials.afterBody(
      { token: undefined, signature: undefined },
      {},
      Buffer.from(body),
    );
    expect(judged.ok).toBe(false);
    expect(judged.ok ? undefined : judged.error.message).toBe(
      "a Bearer access token or a Spotnana signature is required",
    );
  });
});

describe("delivery authentication: why a token is refused", () => {
  it.each([
    [
      "a token signed with another key",
      () => otherIssuer.issue("client-oauth", 600),
      "/d",
      "bad signature: signed with an unknown key",
    ],
    [
      "a token of a client no subscription has",
      () => tokens.issue("client-gone", 600),
      "/d",
      "unknown client: its client is no longer configured",
    ],
    [
      "a token of another subscription",
      () => tokens.issue("client-oauth", 600),
      "/d/both",
      "unknown client: issued to another subscription",
    ],
    ["a token that is not a JWT", () => "abc", "/d", "malformed: not a JWT"],
  ])("says so for %s", async (_what, token, path, reason) => {
    const answer = await deliver(path, { authorization: `Bearer ${token()}` }, body);
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe(`the access token is invalid or expired (${reason})`);
  });
});
