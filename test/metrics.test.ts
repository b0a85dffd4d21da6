import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deliveryOutcomes, jobOutcomes, tokenOutcomes } from "@skyhook/queue-kit";
import {
  createSendingNode,
  defaultFlights,
  envelope,
  pnrPayload,
  type SendingNode,
} from "@skyhook/spotnana-sender";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { startIngress, startWorkerWithOps, testTokenSigningKey } from "./support/in-process.ts";
import { DeliveryAnswer, FilteredAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { parsePrometheus, type Scrape, scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const prefix = uniquePrefix("metrics");
const redis = connect();
const acme = { clientId: "acme-client", clientSecret: "acme-client-secret-1" };
const subscriptionNames = ["acme", "globex"];
const cleanups: Array<() => Promise<unknown>> = [];

let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: Awaited<ReturnType<typeof startWorkerWithOps>>;
let client: SendingNode;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-metrics-"));
  const file = join(dir, "subscriptions.json");
  writeFileSync(
    file,
    JSON.stringify([
      { name: "acme", ...acme, eventTypes: ["PNR_V3"] },
      { name: "globex", clientId: "globex-client", clientSecret: "globex-client-secret" },
    ]),
  );
  // Every notice is refused: a FLIGHT_CANCELLED that needs one is retried, and its retry
  // waits in `delayed` for longer than this test runs.
  const downstream = await startDownstream(() => 500);
  ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_FILE: file,
    TOKEN_SIGNING_KEY: testTokenSigningKey,
    BODY_LIMIT_BYTES: String(16 * 1024),
    RETRY_ATTEMPTS: "3",
    RETRY_BACKOFF_MS: "600000",
    AUTH_FAILURES_PER_ADDRESS: "1000",
    AUTH_FAILURES_PER_CLIENT_ADDRESS: "1000",
  });
  worker = await startWorkerWithOps({
    QUEUE_PREFIX: prefix,
    NOTIFY_URL: downstream.url,
    NOTIFY_TIMEOUT_MS: "2000",
  });
  client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...acme } });
  cleanups.push(
    () => worker.close(),
    () => ingress.close(),
    () => downstream.close(),
    () => deletePrefix(redis, prefix),
  );
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  redis.disconnect();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${ingress.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

const jobsOf = (s: Scrape, queue: string, outcome: string) =>
  s.value("skyhook_jobs_total", { queue, outcome }) ?? 0;

describe("metrics on the ops servers", () => {
  it("counts real deliveries, token requests and jobs, and reads queue states and the ledger from Redis", async () => {
    const bearer = `Bearer ${await client.fetchToken()}`;
    const refused = await fetch(`${ingress.baseUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: acme.clientId,
        client_secret: "not-the-secret-at-all",
      }),
    });
    expect(refused.status).toBe(401);

    // accepted, then the same delivery again: a duplicate
    const booked = pnrPayload({ version: 2 });
    const first = await client.deliver(envelope("BOOKING_CREATED", booked), {
      "x-spotnana-webhook-id": `wh-${booked.pnrId}`,
    });
    expect(first.status).toBe(200);
    const again = await client.deliver(envelope("BOOKING_CREATED", booked), {
      "x-spotnana-webhook-id": `wh-${booked.pnrId}`,
    });
    expect((await jsonOf(again, DeliveryAnswer)).status).toBe("duplicate");
    // filtered: acme takes PNR_V3 only
    const filtered = await client.deliver(
      envelope("TRAVELER_CREATED", { id: "T-1" }, "TRAVELER_V2"),
    );
    expect((await jsonOf(filtered, FilteredAnswer)).status).toBe("filtered");
    // unauthorized, invalid, too large
    expect((await post("/webhooks/spotnana", "{}", { authorization: "Bearer nope" })).status).toBe(
      401,
    );
    expect((await post("/webhooks/spotnana", "{not json", { authorization: bearer })).status).toBe(
      400,
    );
    const huge = JSON.stringify(envelope("BOOKING_CREATED", { pad: "x".repeat(32 * 1024) }));
    expect((await post("/webhooks/spotnana", huge, { authorization: bearer })).status).toBe(413);
    // an operation nobody handles: kept in the catch-all
    expect((await client.deliver(envelope("SOMETHING_NEW", pnrPayload(), "PNR_V3"))).status).toBe(
      200,
    );

    // jobs: completed, then an older version of the same PNR: skipped as stale
    await waitFor("the booking completed", async () =>
      jobsOf(await scrape(worker.opsUrl), "pnr-v3.booking-created", "completed") >= 1
        ? true
        : undefined,
    );
    await client.deliver(envelope("BOOKING_CREATED", { ...booked, version: 1 }));
    // dead-lettered at once: a cancellation that marks nothing cancelled is a permanent error
    await client.deliver(envelope("FLIGHT_CANCELLED", pnrPayload()));
    // retried: the notice is refused, and the retry waits in `delayed`
    const [outbound, inbound] = defaultFlights as [
      (typeof defaultFlights)[0],
      (typeof defaultFlights)[0],
    ];
    await client.deliver(
      envelope(
        "FLIGHT_CANCELLED",
        pnrPayload({ flights: [{ ...outbound, cancelled: true }, inbound] }),
      ),
    );

    const cancelled = "pnr-v3.flight-cancelled";
    const created = "pnr-v3.booking-created";
    const w = await waitFor("every job outcome and its queue state", async () => {
      const s = await scrape(worker.opsUrl);
      const settled =
        jobsOf(s, created, "skipped_stale") === 1 &&
        jobsOf(s, cancelled, "dead_lettered") === 1 &&
        jobsOf(s, cancelled, "retried") === 1 &&
        s.value("skyhook_queue_jobs", { queue: cancelled, state: "delayed" }) === 1;
      return settled ? s : undefined;
    });

    expect(w.types.get("skyhook_jobs_total")).toBe("counter");
    expect(jobsOf(w, created, "completed")).toBe(1);
    expect(w.value("skyhook_job_seconds_count", { queue: created })).toBe(2);
    expect(w.value("skyhook_job_seconds_count", { queue: cancelled })).toBe(2);
    expect(w.value("skyhook_event_age_seconds_count", { queue: created })).toBe(1);
    expect(w.types.get("skyhook_event_age_seconds")).toBe("histogram");
    expect(w.value("skyhook_event_age_seconds_bucket", { queue: created, le: "+Inf" })).toBe(1);

    const states = (queue: string) =>
      Object.fromEntries(
        w.find("skyhook_queue_jobs", { queue }).map((x) => [x.labels.state, x.value]),
      );
    expect(states(cancelled)).toEqual({
      waiting: 0,
      delayed: 1,
      active: 0,
      prioritized: 0,
      dead_letter: 1,
      stale: 0,
    });
    expect(states(created)).toMatchObject({ waiting: 0, delayed: 0, dead_letter: 0, stale: 1 });
    expect(w.value("skyhook_ledger_difference", { queue: cancelled })).toBe(0);
    expect(w.value("skyhook_ledger_difference", { queue: created })).toBe(0);
    expect(w.value("skyhook_ledger_events", { queue: created, counter: "accepted" })).toBe(2);
    expect(w.value("skyhook_ledger_events", { queue: created, counter: "duplicate" })).toBe(1);
    expect(w.value("skyhook_ledger_events", { queue: created, counter: "completed" })).toBe(1);
    expect(w.value("skyhook_worker_ready", { queue: created })).toBe(1);
    expect(w.value("skyhook_worker_ready", { queue: cancelled })).toBe(1);
    // A worker reports its own queues, not the catch-all (the ingress does).
    expect(w.find("skyhook_queue_jobs", { queue: "unrouted" })).toEqual([]);
    // prom-client's process metrics are in the same registry.
    expect(w.find("process_cpu_user_seconds_total")).toHaveLength(1);
    expect(w.find("nodejs_eventloop_lag_seconds")).toHaveLength(1);

    const i = await scrape(ingress.opsUrl);
    const deliveries = (outcome: string, reason: string, subscription = "acme") =>
      i.value("skyhook_deliveries_total", { subscription, outcome, reason });
    expect(deliveries("accepted", "-")).toBe(5);
    expect(deliveries("duplicate", "-")).toBe(1);
    expect(deliveries("filtered", "event-type")).toBe(1);
    expect(deliveries("unauthorized", "unauthorized", "-")).toBe(1);
    expect(deliveries("invalid", "malformed_json")).toBe(1);
    // The body limit is applied before the subscription is settled (after the body is read).
    expect(deliveries("too_large", "payload_too_large", "-")).toBe(1);
    // One token for the raw requests above, one the client fetched for its own deliveries.
    expect(i.value("skyhook_token_requests_total", { outcome: "issued" })).toBe(2);
    expect(i.value("skyhook_token_requests_total", { outcome: "refused" })).toBe(1);
    // Each accepted delivery and the duplicate were stored in Redis, and timed.
    expect(i.value("skyhook_enqueue_seconds_count")).toBe(6);
    expect(i.value("skyhook_queue_jobs", { queue: "unrouted", state: "waiting" })).toBe(1);
    expect(i.find("skyhook_queue_jobs", { queue: created })).toEqual([]);
    expect(i.find("process_resident_memory_bytes")).toHaveLength(1);
  });

  it("labels deliveries only with bounded values, whatever the requests carry", async () => {
    const bearer = `Bearer ${await client.fetchToken()}`;
    const hostile = Array.from({ length: 12 }, (_, n) => {
      const id = randomUUID();
      const path = n % 3 === 0 ? `/webhooks/spotnana/${id}` : "/webhooks/spotnana";
      const body = JSON.stringify(envelope(`OP_${id.slice(0, 8).toUpperCase()}`, { id }, `T${n}`));
      const headers: Record<string, string> = {
        "x-spotnana-webhook-id": id,
        "x-request-id": id,
        "x-b3-traceid": id.replaceAll("-", ""),
      };
      if (n % 2 === 0) headers.authorization = bearer;
      if (n % 4 === 1) headers.authorization = `Bearer ${id}`;
      return post(path, body, headers);
    });
    await Promise.all(hostile);

    const s = parsePrometheus(await (await fetch(`${ingress.opsUrl}/metrics`)).text());
    const samples = s.find("skyhook_deliveries_total");
    expect(samples.length).toBeGreaterThan(0);
    const errorCodes = [
      "unauthorized",
      "too_many_auth_failures",
      "bad_request",
      "malformed_json",
      "invalid_envelope",
      "payload_too_large",
      "header_too_large",
      "request_timeout",
      "unsupported_encoding",
      "not_found",
      "storage_unavailable",
      "internal",
    ];
    const filterReasons = [
      "event-type",
      "operation-excluded",
      "organization",
      "contracting-tmc",
      "booking-tmc",
    ];
    for (const sample of samples) {
      expect(Object.keys(sample.labels).sort()).toEqual(["outcome", "reason", "subscription"]);
      expect(["-", ...subscriptionNames]).toContain(sample.labels.subscription);
      expect(deliveryOutcomes).toContain(sample.labels.outcome);
      expect(["-", ...errorCodes, ...filterReasons]).toContain(sample.labels.reason);
    }
    for (const sample of s.find("skyhook_token_requests_total"))
      expect(tokenOutcomes).toContain(sample.labels.outcome);
    const w = await scrape(worker.opsUrl);
    for (const sample of w.find("skyhook_jobs_total"))
      expect(jobOutcomes).toContain(sample.labels.outcome);
    // No label anywhere carries an id: no UUID, no long hex or digit run.
    for (const sample of [...s.samples, ...w.samples]) {
      for (const [name, value] of Object.entries(sample.labels)) {
        if (name === "le") continue;
        expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|[0-9a-f]{16}|\d{6}/i);
      }
    }
  });
});
