import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { queueNamesFor, rejectedQueueName, unroutedQueueNames } from "@skyhook/contracts";
import {
  createSendingNode,
  envelope,
  pnrPayload,
  type SendingNode,
} from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devClient, startIngress } from "./support/in-process.ts";
import { DeliveryAnswer, EnvelopeIssues, ErrorAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("deliver");
const redis = connect();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let client: SendingNode;
const queues: Queue[] = [];

const queue = (name: string) => {
  const q = new Queue(name, { connection: redis, prefix });
  queues.push(q);
  return q;
};

beforeAll(async () => {
  ingress = await startIngress({ QUEUE_PREFIX: prefix, BODY_LIMIT_BYTES: String(64 * 1024) });
  client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
});
afterAll(async () => {
  await ingress.close();
  await Promise.all(queues.map((q) => q.close()));
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const post = (headers: Record<string, string>, body: string | Buffer = "{}") =>
  fetch(`${ingress.baseUrl}/webhooks/spotnana`, { method: "POST", headers, body });

describe("delivery authentication", () => {
  const valid = JSON.stringify(envelope("BOOKING_CREATED", pnrPayload()));

  it("refuses a delivery without a token with 401 and a Bearer challenge", async () => {
    const response = await post({ "content-type": "application/json" }, valid);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = await jsonOf(response, ErrorAnswer);
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("refuses a malformed token", async () => {
    const response = await post(
      { authorization: "Bearer not-a-jwt", "content-type": "application/json" },
      valid,
    );
    expect(response.status).toBe(401);
  });

  /** The ingress's documented key id: 16 hex digits of SHA-256 of the signing key. */
  const realKid = () =>
    createHash("sha256").update(ingress.config.token.signingKey, "utf8").digest("hex").slice(0, 16);

  /** Signed with the real key and its real kid, so only the claims decide. */
  const withRealKey = (claims: object, options: jwt.SignOptions) =>
    jwt.sign(claims, ingress.config.token.signingKey, {
      algorithm: "HS256",
      keyid: realKid(),
      issuer: ingress.config.token.issuer,
      audience: ingress.config.token.audience,
      subject: devClient.clientId,
      jwtid: "test",
      ...options,
    });

  const expectInvalidToken = async (token: string) => {
    const response = await post({ authorization: `Bearer ${token}` }, valid);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("unauthorized");
  };

  it("accepts a token built the same way but unexpired (the forger is faithful)", async () => {
    const token = withRealKey({}, { expiresIn: 600 });
    const response = await post({ authorization: `Bearer ${token}` }, valid);
    expect(response.status).toBe(200);
  });

  it("refuses an expired token", async () => {
    await expectInvalidToken(withRealKey({}, { expiresIn: -10 }));
  });

  it("refuses a correctly signed token without exp (it would never expire)", async () => {
    await expectInvalidToken(withRealKey({}, {}));
  });

  it("refuses a token signed with another key", async () => {
    const foreign = jwt.sign({}, "a-completely-different-signing-key-0123456789", {
      algorithm: "HS256",
      issuer: ingress.config.token.issuer,
      audience: ingress.config.token.audience,
      subject: devClient.clientId,
      expiresIn: 600,
    });
    const response = await post({ authorization: `Bearer ${foreign}` }, valid);
    expect(response.status).toBe(401);
  });

  it("refuses an unsigned (alg none) token", async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const nowSec = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: "none", typ: "JWT", kid: realKid() })}.${b64({
      sub: devClient.clientId,
      iss: ingress.config.token.issuer,
      aud: ingress.config.token.audience,
      jti: "test",
      iat: nowSec,
      exp: nowSec + 600,
    })}.`;
    await expectInvalidToken(unsigned);
  });

  it("refuses HTTP Basic credentials on the delivery endpoint", async () => {
    const basic = Buffer.from(`${devClient.clientId}:${devClient.clientSecret}`).toString("base64");
    const response = await post({ authorization: `Basic ${basic}` }, valid);
    expect(response.status).toBe(401);
  });
});

describe("delivery validation", () => {
  it("answers 400 malformed_json for a body that is not JSON", async () => {
    const response = await client.deliver('{"event_type": ');
    expect(response.status).toBe(400);
    expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("malformed_json");
  });

  it("answers 400 malformed_json for an empty body", async () => {
    const response = await client.deliver("");
    expect(response.status).toBe(400);
    expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("malformed_json");
  });

  it("answers 400 invalid_envelope naming each missing or wrong field", async () => {
    const response = await client.deliver({ payload: "nope" });
    expect(response.status).toBe(400);
    const body = await jsonOf(response, ErrorAnswer);
    expect(body.error.code).toBe("invalid_envelope");
    const paths = EnvelopeIssues.parse(body.error.details).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["operation", "payload", "event_type"]));
    expect(body.error.message).toContain("operation");
  });

  it("keeps one copy per distinct body of an authenticated delivery that is not a valid envelope", async () => {
    const body = { event_type: "PNR_V3", payload: { pnrId: "PNR-NO-OPERATION" } };
    for (let i = 0; i < 2; i++) expect((await client.deliver(body)).status).toBe(400);
    const unauthenticated = await post(
      { "content-type": "application/json" },
      JSON.stringify({ x: 1 }),
    );
    expect(unauthenticated.status).toBe(401);
    const kept = await queue(rejectedQueueName).getWaiting();
    const copies = kept.filter(
      (j) =>
        (j.data.body as { payload?: { pnrId?: string } }).payload?.pnrId === "PNR-NO-OPERATION",
    );
    expect(copies).toHaveLength(1);
    expect(copies[0]?.data).toMatchObject({
      subscription: "spotnana",
      issues: [expect.objectContaining({ path: "operation" })],
    });
    expect(kept.some((j) => (j.data.body as { x?: number }).x === 1)).toBe(false);
  });

  it("answers 413 for a body over the configured limit, and stores nothing", async () => {
    const payload = pnrPayload({ pnrId: "PNR-TOO-BIG" });
    const big = envelope("BOOKING_CREATED", { ...payload, padding: "x".repeat(70 * 1024) });
    const response = await client.deliver(big);
    expect(response.status).toBe(413);
    expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("payload_too_large");
    const waiting = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getWaiting();
    expect(waiting.some((j) => j.data.keys.pnrId === "PNR-TOO-BIG")).toBe(false);
  });

  it("applies the size limit after gzip inflation, so a compressed bomb is refused", async () => {
    const bomb = gzipSync(
      JSON.stringify(envelope("BOOKING_CREATED", { pnrId: "B", pad: "0".repeat(1_000_000) })),
    );
    expect(bomb.length).toBeLessThan(64 * 1024);
    const token = await client.fetchToken();
    const response = await post(
      {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      bomb,
    );
    expect(response.status).toBe(413);
  });

  it("accepts a gzip-compressed delivery", async () => {
    const body = envelope("BOOKING_CREATED", pnrPayload({ pnrId: "PNR-GZIP" }));
    const token = await client.fetchToken();
    const response = await post(
      {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      gzipSync(JSON.stringify(body)),
    );
    expect(response.status).toBe(200);
  });
});

describe("inputs the fuzz suite found answered with 500 (now client errors)", () => {
  it("answers 400 for a subscription segment that is not valid percent-encoding", async () => {
    for (const path of ["/webhooks/spotnana/%zz", "/webhooks/spotnana/%E0%A4"]) {
      const response = await fetch(`${ingress.baseUrl}${path}`, { method: "POST", body: "" });
      expect(response.status, path).toBe(400);
      expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("bad_request");
    }
  });

  it("answers 400 for a gzip body that does not inflate", async () => {
    const token = await client.fetchToken();
    const response = await post(
      { authorization: `Bearer ${token}`, "content-encoding": "gzip" },
      Buffer.from("abc"),
    );
    expect(response.status).toBe(400);
  });

  it("answers 401 for a token whose header is not JSON", async () => {
    const response = await post(
      { authorization: "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ.x" },
      JSON.stringify(envelope("BOOKING_CREATED", pnrPayload())),
    );
    expect(response.status).toBe(401);
  });

  it("answers 400 for an authenticated body nested thousands of levels deep", async () => {
    const deep = `{"event_type":"PNR_V3","operation":"BOOKING_CREATED","payload":{"a":${"[".repeat(5_000)}${"]".repeat(5_000)}}}`;
    const response = await client.deliver(deep);
    expect(response.status).toBe(400);
    expect((await jsonOf(response, ErrorAnswer)).error.message).toContain("nests deeper");
  });
});

describe("routing and storage", () => {
  it("answers exactly 200 only once the job is in its operation's queue", async () => {
    const payload = pnrPayload({ pnrId: "PNR-ROUTED" });
    const response = await client.deliver(envelope("BOOKING_CREATED", payload), {
      "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
      "x-b3-spanid": "e457b5a2e4d86bd1",
    });
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const job = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getJob(jobId);
    expect(job?.data).toMatchObject({
      eventType: "PNR_V3",
      operation: "BOOKING_CREATED",
      subscription: "spotnana",
      keys: { pnrId: "PNR-ROUTED", organizationId: "ORG-42", version: 1 },
      trace: { traceId: "80f198ee56343ba864fe8b2a57d3eff7", spanId: "e457b5a2e4d86bd1" },
      envelope: { payload: { pnrId: "PNR-ROUTED" } },
    });
    expect(job?.opts.attempts).toBeGreaterThan(1);
    // No ETag: a delivery's answer is never revalidated, and hashing every body costs CPU.
    expect(response.headers.get("etag")).toBeNull();
  });

  it("accepts an operation with no handler with 200 and keeps it, whole, in the catch-all queue", async () => {
    const body = {
      event_type: "PNR_V3",
      operation: "BRAND_NEW_OPERATION",
      timestamp: "2026-11-27T10:00:00Z",
      payload: { pnrId: "PNR-UNROUTED" },
      somethingSpotnanaAddsLater: { keep: true },
    };
    const response = await client.deliver(body);
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    const job = await queue(unroutedQueueNames.queue).getJob(jobId);
    expect(job?.data.envelope).toEqual(body);
    expect(job?.data.operation).toBe("BRAND_NEW_OPERATION");
  });

  it("accepts an unknown event type too (camelCase eventType) and keeps it", async () => {
    const response = await client.deliver({
      eventType: "NEW_EVENT_TYPE",
      operation: "X",
      payload: {},
    });
    expect(response.status).toBe(200);
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    expect(await queue(unroutedQueueNames.queue).getJob(jobId)).toBeDefined();
  });

  it("stores one job for the same delivery sent twice (webhook id)", async () => {
    const body = envelope("BOOKING_CREATED", pnrPayload({ pnrId: "PNR-TWICE" }));
    const first = await client.deliver(body, { "x-spotnana-webhook-id": "msg_twice_1" });
    const second = await client.deliver(body, { "x-spotnana-webhook-id": "msg_twice_1" });
    expect([first.status, second.status]).toEqual([200, 200]);
    const waiting = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getWaiting();
    expect(waiting.filter((j) => j.data.keys.pnrId === "PNR-TWICE")).toHaveLength(1);
  });

  it("stores one job for the same event re-serialised with another key order (no webhook id)", async () => {
    const payload = pnrPayload({ pnrId: "PNR-REORDERED" });
    const body = envelope("BOOKING_CREATED", payload);
    const reordered = {
      payload: { ...payload },
      timestamp: body.timestamp,
      operation: body.operation,
      event_type: "PNR_V3",
    };
    const first = await client.deliver(body);
    const second = await client.deliver(reordered);
    expect([first.status, second.status]).toEqual([200, 200]);
    const [a, b] = await Promise.all([first, second].map((r) => jsonOf(r, DeliveryAnswer)));
    expect([a?.status, b?.status]).toEqual(["accepted", "duplicate"]);
    expect(a?.jobId).toBe(b?.jobId);
    const waiting = await queue(queueNamesFor("PNR_V3", "BOOKING_CREATED").queue).getWaiting();
    expect(waiting.filter((j) => j.data.keys.pnrId === "PNR-REORDERED")).toHaveLength(1);
  });

  it("answers 404 with the error body for an unknown path", async () => {
    const response = await fetch(`${ingress.baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response, ErrorAnswer)).error.code).toBe("not_found");
  });

  it("reports healthz and readyz", async () => {
    expect((await fetch(`${ingress.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${ingress.baseUrl}/readyz`)).status).toBe(200);
  });
});
