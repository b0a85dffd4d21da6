import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCatalog, queueNamesFor } from "@skyhook/contracts";
import { keyNames } from "@skyhook/queue-kit";
import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIngress, testTokenSigningKey } from "./support/in-process.ts";
import { DeliveryAnswer, ErrorAnswer, TokenAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("subs");
const redis = connect();
const current = newSigningSecret();
const previous = newSigningSecret();
const bothModes = newSigningSecret();
const tmcSecret = newSigningSecret();
const lateSecret = newSigningSecret();

const subscriptions = [
  { name: "hmac-only", signingSecrets: [current, previous] },
  {
    name: "migrating",
    clientId: "migrating-client",
    clientSecrets: ["new-client-secret-123", "old-client-secret-123"],
    signingSecrets: [bothModes],
    requiredHeaders: { "API-Version": "2.0" },
    requiredTokenFields: { audience: "skyhook" },
    requiredTokenHeaders: { "API-Version": "2.0" },
  },
  { name: "late-retries", signingSecrets: [lateSecret], timestampTolerance: false },
  {
    name: "tmc-wide",
    signingSecrets: [tmcSecret],
    eventTypes: ["PNR_V3", "TRAVELER_V2"],
    filters: { organizationIds: ["ORG-42"], excludeOperations: ["BOOKING_OTHER_UPDATE"] },
  },
];

let ingress: Awaited<ReturnType<typeof startIngress>>;
const queues: Queue[] = [];
const queue = (name: string) => {
  const q = new Queue(name, { connection: redis, prefix });
  queues.push(q);
  return q;
};

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-subs-"));
  const file = join(dir, "subscriptions.json");
  writeFileSync(file, JSON.stringify(subscriptions));
  ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_FILE: file,
    TOKEN_SIGNING_KEY: testTokenSigningKey,
    AUTH_FAILURES_PER_CLIENT_ADDRESS: "1000",
    AUTH_FAILURES_PER_ADDRESS: "1000",
  });
});
afterAll(async () => {
  await ingress.close();
  await Promise.all(queues.map((q) => q.close()));
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const deliver = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${ingress.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
const bookingBody = (pnrId = `PNR-${Math.random()}`) =>
  JSON.stringify(envelope("BOOKING_CREATED", pnrPayload({ pnrId })));

async function token(
  clientId: string,
  clientSecret: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = { "api-version": "2.0" },
) {
  return fetch(`${ingress.baseUrl}/oauth/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      ...extra,
    }),
  });
}

describe("HMAC signature mode", () => {
  it("accepts a delivery signed with the current secret, on the subscription's own URL", async () => {
    const body = bookingBody();
    const response = await deliver(
      "/webhooks/spotnana/hmac-only",
      body,
      signedHeaders(current, body),
    );
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const job = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getJob(jobId);
    expect(job?.data.subscription).toBe("hmac-only");
  });

  it("accepts the previous secret during a rotation, and both signatures in one header", async () => {
    const body = bookingBody();
    expect(
      (await deliver("/webhooks/spotnana/hmac-only", body, signedHeaders(previous, body))).status,
    ).toBe(200);
    const other = bookingBody();
    const headers = signedHeaders(current, other, { form: "v1" });
    const old = signedHeaders(previous, other, {
      id: headers["x-spotnana-webhook-id"],
      timestampSec: Number(headers["x-spotnana-webhook-timestamp"]),
      form: "v1",
    });
    headers["x-spotnana-webhook-signature"] =
      `${old["x-spotnana-webhook-signature"]} ${headers["x-spotnana-webhook-signature"]}`;
    expect((await deliver("/webhooks/spotnana/hmac-only", other, headers)).status).toBe(200);
  });

  it("finds the subscription from the signature on the shared URL", async () => {
    const body = bookingBody();
    const response = await deliver("/webhooks/spotnana", body, signedHeaders(lateSecret, body));
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const job = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getJob(jobId);
    expect(job?.data.subscription).toBe("late-retries");
    expect(job?.data.deliveryIdSource).toBe("webhook-id");
  });

  it("accepts the generic Standard Webhooks header names", async () => {
    const body = bookingBody();
    const response = await deliver(
      "/webhooks/spotnana/hmac-only",
      body,
      signedHeaders(current, body, { names: "standard" }),
    );
    expect(response.status).toBe(200);
  });

  it("refuses a tampered body, a foreign secret, a missing signature and another subscription's secret", async () => {
    const body = bookingBody();
    const headers = signedHeaders(current, body);
    const statuses = await Promise.all([
      deliver("/webhooks/spotnana/hmac-only", body.replace("CONFIRMED", "CANCELLED"), headers),
      deliver("/webhooks/spotnana/hmac-only", body, signedHeaders(newSigningSecret(), body)),
      deliver("/webhooks/spotnana/hmac-only", body, {}),
      deliver("/webhooks/spotnana/hmac-only", body, signedHeaders(tmcSecret, body)),
      deliver("/webhooks/spotnana/no-such-subscription", body, headers),
    ]).then((rs) => rs.map((r) => r.status));
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
  });

  it("refuses a stale timestamp, unless the subscription switched the window off", async () => {
    const body = bookingBody();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const stale = await deliver(
      "/webhooks/spotnana/hmac-only",
      body,
      signedHeaders(current, body, { timestampSec: tenMinutesAgo }),
    );
    expect(stale.status).toBe(401);
    expect((await jsonOf(stale, ErrorAnswer)).error.message).toContain("too old");
    const threeDaysAgo = Math.floor(Date.now() / 1000) - 3 * 86_400;
    const late = await deliver(
      "/webhooks/spotnana/late-retries",
      body,
      signedHeaders(lateSecret, body, { timestampSec: threeDaysAgo }),
    );
    expect(late.status).toBe(200);
  });

  it("answers a re-send of the same webhook id with 200 and stores it once", async () => {
    const body = bookingBody("PNR-RESENT");
    const headers = signedHeaders(current, body, { id: "msg_resent_1" });
    const first = await deliver("/webhooks/spotnana/hmac-only", body, headers);
    const again = await deliver(
      "/webhooks/spotnana/hmac-only",
      body,
      signedHeaders(current, body, { id: "msg_resent_1" }),
    );
    expect([first.status, again.status]).toEqual([200, 200]);
    const waiting = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getWaiting();
    expect(waiting.filter((j) => j.data.keys.pnrId === "PNR-RESENT")).toHaveLength(1);
  });
});

describe("a subscription migrating from OAuth to HMAC", () => {
  const tokenFor = async (secret: string) => {
    const response = await token("migrating-client", secret, { audience: "skyhook" });
    expect(response.status).toBe(200);
    return (await jsonOf(response, TokenAnswer)).access_token;
  };

  it("issues tokens for the new and the old client secret (rotation)", async () => {
    await tokenFor("new-client-secret-123");
    await tokenFor("old-client-secret-123");
  });

  it("refuses a token request without its required extra form field or header", async () => {
    const response = await token("migrating-client", "new-client-secret-123");
    expect(response.status).toBe(401);
    const wrong = await token("migrating-client", "new-client-secret-123", { audience: "other" });
    expect(wrong.status).toBe(401);
    const noHeader = await token(
      "migrating-client",
      "new-client-secret-123",
      { audience: "skyhook" },
      {},
    );
    expect(noHeader.status).toBe(401);
  });

  it("accepts either mode, with the required header, and refuses a delivery without it", async () => {
    const bearer = `Bearer ${await tokenFor("new-client-secret-123")}`;
    const body = bookingBody();
    const viaToken = await deliver("/webhooks/spotnana", body, {
      authorization: bearer,
      "api-version": "2.0",
    });
    const viaSignature = await deliver("/webhooks/spotnana/migrating", body, {
      ...signedHeaders(bothModes, body),
      "API-Version": "2.0",
    });
    const missingHeader = await deliver("/webhooks/spotnana", body, { authorization: bearer });
    const wrongHeader = await deliver("/webhooks/spotnana/migrating", body, {
      ...signedHeaders(bothModes, body),
      "api-version": "1.0",
    });
    expect([
      viaToken.status,
      viaSignature.status,
      missingHeader.status,
      wrongHeader.status,
    ]).toEqual([200, 200, 401, 401]);
  });

  it("never ignores a bad signature, even next to a valid token", async () => {
    const bearer = `Bearer ${await tokenFor("new-client-secret-123")}`;
    const body = bookingBody();
    const forged = await deliver("/webhooks/spotnana", body, {
      authorization: bearer,
      "api-version": "2.0",
      ...signedHeaders(newSigningSecret(), body),
    });
    expect(forged.status).toBe(401);
  });

  it("refuses a token of this subscription on another subscription's URL", async () => {
    const bearer = `Bearer ${await tokenFor("new-client-secret-123")}`;
    const body = bookingBody();
    const response = await deliver("/webhooks/spotnana/hmac-only", body, {
      authorization: bearer,
      "api-version": "2.0",
    });
    expect(response.status).toBe(401);
  });
});

describe("receiver-side filters", () => {
  const filteredCount = async (operation = "BOOKING_CREATED") => {
    const { queue: name } = queueNamesFor("PNR_V3", operation);
    const field = `filtered|tmc-wide|PNR_V3|${operation}`;
    return Number((await redis.hget(keyNames(prefix).ledger(name), field)) ?? 0);
  };

  const send = (body: object) => {
    const text = JSON.stringify(body);
    return deliver("/webhooks/spotnana/tmc-wide", text, signedHeaders(tmcSecret, text));
  };

  it("answers 200 for an event outside the subscription's organizations, counts it, and enqueues nothing", async () => {
    const payload = {
      ...pnrPayload({ pnrId: "PNR-OTHER-ORG" }),
      audience: { organizationId: "ORG-7" },
    };
    const before = await filteredCount();
    const text = JSON.stringify(envelope("BOOKING_CREATED", payload));
    const headers = signedHeaders(tmcSecret, text);
    const response = await deliver("/webhooks/spotnana/tmc-wide", text, headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "filtered", reason: "organization" });
    expect(await filteredCount()).toBe(before + 1);
    const resent = await deliver("/webhooks/spotnana/tmc-wide", text, headers);
    expect(resent.status).toBe(200);
    expect(await resent.json()).toMatchObject({ status: "duplicate" });
    expect(await filteredCount(), "a re-send is not counted again").toBe(before + 1);
    const waiting = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getWaiting();
    expect(waiting.some((j) => j.data.keys.pnrId === "PNR-OTHER-ORG")).toBe(false);
  });

  it("filters an excluded operation and an event type the subscription does not take", async () => {
    const excluded = await send(envelope("BOOKING_OTHER_UPDATE", pnrPayload()));
    expect(await excluded.json()).toMatchObject({
      status: "filtered",
      reason: "operation-excluded",
    });
    const otherType = await send({
      event_type: "AGENT_TASK_DETAILS",
      operation: "TASK_CREATE",
      payload: { id: "t-1" },
    });
    expect(await otherType.json()).toMatchObject({ status: "filtered", reason: "event-type" });
  });

  it("enqueues an event of an allowed organization, and one whose organization is not stated", async () => {
    const allowed = await send(envelope("BOOKING_CREATED", pnrPayload()));
    expect(await allowed.json()).toMatchObject({ status: "accepted" });
    const unknownOrg = await send({
      event_type: "TRAVELER_V2",
      operation: "UPDATE",
      payload: { id: "u-1" },
    });
    const { jobId } = await jsonOf(unknownOrg, DeliveryAnswer);
    const routed = defaultCatalog.route("TRAVELER_V2", "UPDATE").queues.queue;
    expect(await queue(routed).getJob(jobId)).toBeDefined();
  });
});

describe("HTTP hardening", () => {
  it("sends security headers and no framework banner", async () => {
    const response = await fetch(`${ingress.baseUrl}/healthz`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("strict-transport-security")).toContain("max-age");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });
});
