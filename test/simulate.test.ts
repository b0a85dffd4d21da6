import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { unroutedQueueNames } from "@skyhook/contracts";
import { keyNames, replayJobId, webhookJobId } from "@skyhook/queue-kit";
import { newSigningSecret } from "@skyhook/spotnana-sender";
import { QueueKeys } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker, testTokenSigningKey } from "./support/in-process.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("simulate");
const redis = connect();
const signingSecret = newSigningSecret();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: ReturnType<typeof startWorker>;
let downstream: Awaited<ReturnType<typeof startDownstream>>;

beforeAll(async () => {
  downstream = await startDownstream(() => 200);
  ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SPOTNANA_CLIENT_ID: devClient.clientId,
    SPOTNANA_CLIENT_SECRET: devClient.clientSecret,
    SPOTNANA_SIGNING_SECRETS: signingSecret,
    TOKEN_SIGNING_KEY: testTokenSigningKey,
  });
  worker = startWorker({ QUEUE_PREFIX: prefix, NOTIFY_URL: downstream.url });
});

afterAll(async () => {
  await worker.close();
  await ingress.close();
  await downstream.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

type Report = {
  events: number;
  attempts: number;
  acknowledged: number;
  retried: number;
  pending: number;
  duplicates: { sent: number; acknowledged: number; answers: Record<string, number> };
  answers: Record<string, number>;
  check: { lost: number; appliedTwice: number; unsettled: number } | "not checked";
  ok: boolean;
};

async function simulate(args: readonly string[], queuePrefix = prefix) {
  const { code, out, err } = await runCliInProcess(["simulate", "--json", ...args], {
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: queuePrefix,
  });
  if (out === "") throw new Error(`simulate printed no report (exit ${code}): ${err}`);
  return { code, report: JSON.parse(out) as Report, err };
}

/**
 * Answers 503 to the first `failures` attempts of each delivery id, then passes the request
 * through to the ingress: a receiver that is down for a moment, per delivery.
 */
async function startFlakyProxy(target: string, failures: number) {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const id = req.headers["x-spotnana-webhook-id"];
    const n = typeof id === "string" ? (seen.get(id) ?? 0) : failures;
    if (typeof id === "string") seen.set(id, n + 1);
    if (n < failures) {
      req.resume();
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":{}}');
      return;
    }
    const upstream = request(
      `${target}${req.url ?? ""}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A receiver whose answer to each delivery id the test decides. */
async function startReceiver(answer: (id: string) => Promise<{ status: number; body: unknown }>) {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      void answer(String(req.headers["x-spotnana-webhook-id"])).then(({ status, body }) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const hmac = ["--mode", "hmac", "--secret", newSigningSecret()];

describe("skyhook simulate", () => {
  it("delivers every event type to the real ingress and worker: none lost, none applied twice, duplicates answered duplicate", async () => {
    const { code, report, err } = await simulate([
      "--url",
      ingress.baseUrl,
      "--mode",
      "hmac",
      "--secret",
      signingSecret,
      "--events",
      "150",
      "--closed",
      "--concurrency",
      "8",
      "--duplicates",
      "0.2",
      "--large-share",
      "0.02",
      "--large-kb",
      "256",
      "--check",
      "--settle-sec",
      "40",
    ]);
    expect(err).toContain("settling");
    expect(report).toMatchObject({ events: 150, acknowledged: 150, pending: 0, ok: true });
    expect(report.check).toMatchObject({ lost: 0, appliedTwice: 0, unsettled: 0 });
    expect(report.duplicates.sent).toBeGreaterThan(0);
    expect(report.duplicates.answers).toEqual({ "200 duplicate": report.duplicates.sent });
    expect(code).toBe(0);
  }, 55_000);

  it("retries a receiver that fails the first attempts (OAuth, several nodes) and ends with nothing pending", async () => {
    const proxy = await startFlakyProxy(ingress.baseUrl, 2);
    try {
      const { code, report } = await simulate([
        "--url",
        proxy.url,
        "--mode",
        "oauth",
        "--nodes",
        "3",
        "--events",
        "40",
        "--rate",
        "40",
        "--duplicates",
        "0",
        "--check",
        "--settle-sec",
        "30",
      ]);
      expect(report).toMatchObject({
        events: 40,
        acknowledged: 40,
        retried: 40,
        pending: 0,
        ok: true,
      });
      expect(report.answers["503"]).toBe(80);
      expect(report.attempts).toBe(120);
      expect(report.check).toMatchObject({ lost: 0, appliedTwice: 0 });
      expect(code).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 55_000);

  it("counts an answer other than exactly 200 as a failure, and reports the event pending once 14 days of retries are spent", async () => {
    const receiver = await startReceiver(async () => ({
      status: 202,
      body: { status: "accepted" },
    }));
    try {
      const { code, report } = await simulate(
        ["--url", receiver.url, ...hmac, "--events", "4", "--closed", "--time-scale", "1e9"],
        uniquePrefix("simulate-pending"),
      );
      expect(report).toMatchObject({ events: 4, acknowledged: 0, pending: 4, ok: false });
      // 1 attempt + 5 immediate retries + the backoff steps up to 14 days, for each event.
      expect(report.attempts).toBeGreaterThan(4 * 6);
      expect(report.answers).toEqual({ "202 accepted": report.attempts });
      expect(code).toBe(1);
    } finally {
      await receiver.close();
    }
  }, 55_000);

  it("reports as lost an acknowledged delivery whose job Skyhook does not have", async () => {
    const receiver = await startReceiver(async (id) => ({
      status: 200,
      body: { status: "accepted", deliveryId: id, jobId: webhookJobId(id) },
    }));
    try {
      const { code, report } = await simulate(
        [
          "--url",
          receiver.url,
          ...hmac,
          "--events",
          "5",
          "--closed",
          "--duplicates",
          "0",
          "--check",
          "--settle-sec",
          "1",
        ],
        uniquePrefix("simulate-lost"),
      );
      expect(report).toMatchObject({ acknowledged: 5, pending: 0, ok: false });
      expect(report.check).toMatchObject({ lost: 5, appliedTwice: 0 });
      expect(code).toBe(1);
    } finally {
      await receiver.close();
    }
  }, 55_000);

  it("reports as applied twice a delivery whose job and a replay of it both completed", async () => {
    const twicePrefix = uniquePrefix("simulate-twice");
    const queue = unroutedQueueNames.queue;
    const completedSet = new QueueKeys(twicePrefix).toKey(queue, "completed");
    const receiver = await startReceiver(async (id) => {
      const jobId = webhookJobId(id);
      for (const completed of [jobId, replayJobId(jobId)])
        await redis
          .multi()
          .hset(keyNames(twicePrefix).job(queue, completed), "data", "{}")
          .zadd(completedSet, Date.now(), completed)
          .exec();
      return { status: 200, body: { status: "accepted", deliveryId: id, jobId } };
    });
    try {
      const { code, report } = await simulate(
        [
          "--url",
          receiver.url,
          ...hmac,
          "--events",
          "3",
          "--closed",
          "--duplicates",
          "0",
          "--check",
          "--settle-sec",
          "1",
        ],
        twicePrefix,
      );
      expect(report.check).toMatchObject({ lost: 0, appliedTwice: 3 });
      expect(code).toBe(1);
    } finally {
      await receiver.close();
      await deletePrefix(redis, twicePrefix);
    }
  }, 55_000);

  it("fetches a token per node, honours its token_type and fetches a new one once on a 401", async () => {
    let issued = 0;
    const tokens: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString("utf8");
      });
      req.on("end", () => {
        if (req.url === "/oauth/token") {
          tokens.push(body);
          const token = `t${++issued}`;
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: token, token_type: "Token", expires_in: 3600 }));
          return;
        }
        // Odd tokens are refused (as if revoked): each node must fetch a second one.
        const n = Number(/^Token t(\d+)$/.exec(req.headers.authorization ?? "")?.[1] ?? 1);
        const valid = n % 2 === 0;
        res.writeHead(valid ? 200 : 401, { "content-type": "application/json" });
        res.end(JSON.stringify(valid ? { status: "accepted" } : { error: {} }));
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const { code, report } = await simulate(
        [
          "--url",
          `http://127.0.0.1:${port}`,
          "--mode",
          "oauth",
          "--nodes",
          "2",
          "--events",
          "6",
          "--closed",
          "--concurrency",
          "1",
          "--duplicates",
          "0",
        ],
        uniquePrefix("simulate-token"),
      );
      expect(report).toMatchObject({ acknowledged: 6, pending: 0, retried: 0, ok: true });
      // The re-send after a new token belongs to the same attempt.
      expect(report.answers).toEqual({ "200 accepted": 6 });
      expect(issued).toBe(4);
      expect(tokens[0]).toContain("grant_type=client_credentials");
      expect(code).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 55_000);

  it("with --duration-sec on the open model, starts events on the clock for that long", async () => {
    const receiver = await startReceiver(async () => ({
      status: 200,
      body: { status: "accepted" },
    }));
    try {
      const { code, report } = await simulate(
        [
          "--url",
          receiver.url,
          ...hmac,
          "--duration-sec",
          "1",
          "--rate",
          "20",
          "--duplicates",
          "0",
        ],
        uniquePrefix("simulate-duration"),
      );
      expect(report).toMatchObject({
        events: 20,
        acknowledged: 20,
        check: "not checked",
        ok: true,
      });
      expect(code).toBe(0);
    } finally {
      await receiver.close();
    }
  }, 55_000);

  it("with --check and no Redis to read, stops before sending anything", async () => {
    let requests = 0;
    const receiver = await startReceiver(async () => {
      requests++;
      return { status: 200, body: { status: "accepted" } };
    });
    try {
      const { code, err } = await runCliInProcess(
        ["simulate", "--url", receiver.url, ...hmac, "--events", "3", "--check"],
        { REDIS_URL: "redis://127.0.0.1:1", QUEUE_PREFIX: prefix },
      );
      expect(code).toBe(2);
      expect(err).toContain("Redis at 127.0.0.1:1 does not answer");
      expect(requests).toBe(0);
    } finally {
      await receiver.close();
    }
  }, 55_000);
});
