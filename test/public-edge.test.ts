import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorAnswer } from "./support/ingress-answers.ts";
import { parseJsonAs } from "./support/json-body.ts";
import { type AppProcess, freePort, opsUrlOf, spawnApp } from "./support/processes.ts";
import { parseRawResponse } from "./support/raw-http.ts";
import {
  connect as connectRedis,
  deletePrefix,
  sharedRedisUrl,
  uniquePrefix,
} from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/*
 * Issue 15, "an unauthenticated sender costs almost nothing": the attacks measured against a
 * default ingress (10 MiB body limit), repeated against the real process from raw sockets and
 * many source addresses. A compression bomb is a signed-looking delivery (a current timestamp,
 * a well-formed but wrong signature) whose 10 KB of gzip inflate to 10 MiB. Memory is read
 * from /proc (RSS), CPU from /proc (user + system time of the ingress process).
 */
const signingSecret = newSigningSecret();
const subscription = "edge-hmac";
const prefix = uniquePrefix("edge");
const redis = connectRedis();
let ingress: AppProcess | undefined;
let port = 0;
let dir: string | undefined;

const tenMiB = 10 * 1024 * 1024;
const bomb = gzipSync(Buffer.alloc(tenMiB, "{"), { level: 9 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skyhook-edge-"));
  const file = join(dir, "subscriptions.json");
  writeFileSync(file, JSON.stringify([{ name: subscription, signingSecrets: [signingSecret] }]));
  port = await freePort();
  ingress = spawnApp("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_FILE: file,
    // The default failure limits would answer the bombs 429 after a few dozen from one
    // address: high here, so every bomb is read and judged.
    AUTH_FAILURES_PER_ADDRESS: "100000",
    AUTH_FAILURES_PER_CLIENT_ADDRESS: "100000",
    ENQUEUE_TIMEOUT_MS: "5000",
  });
  const opsUrl = await opsUrlOf(ingress);
  await waitFor("the ingress to be ready", async () => {
    const response = await fetch(`${opsUrl}/readyz`).catch(() => undefined);
    return response?.status === 200 ? true : undefined;
  });
}, 30_000);

afterAll(async () => {
  await ingress?.stop("SIGKILL");
  await deletePrefix(redis, prefix);
  redis.disconnect();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const pid = () => ingress?.child.pid ?? 0;
const rssBytes = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid()}/status`, "utf8"))?.[1] ?? 0) * 1024;
/** User + system CPU time of the ingress, in milliseconds (the kernel counts 100 ticks a second). */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${pid()}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/** Headers that pass every check made before the body: only the body could refuse them. */
const plausibleHeaders = () => [
  `x-spotnana-webhook-id: msg_${randomBytes(8).toString("hex")}`,
  `x-spotnana-webhook-timestamp: ${Math.floor(Date.now() / 1000)}`,
  `x-spotnana-webhook-signature: v1,${randomBytes(32).toString("base64")}`,
];

const head = (lines: string[]) => Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");

async function socketFrom(address: string): Promise<{ socket: Socket; answer: () => string }> {
  const socket = connect({ port, host: "127.0.0.1", localAddress: address });
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  socket.on("error", () => undefined);
  await once(socket, "connect");
  return { socket, answer: () => received };
}

/** A valid signed delivery, answered and timed. */
async function validDelivery(): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify(envelope("BOOKING_CREATED", pnrPayload()));
  const startedAt = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/webhooks/spotnana/${subscription}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signedHeaders(signingSecret, body) },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - startedAt };
}

describe("the public edge under unauthenticated load", () => {
  it("holds 60 compression bombs left open from 60 addresses in a few MB, and answers valid deliveries 200 within a second meanwhile", async () => {
    for (let i = 0; i < 3; i++) expect((await validDelivery()).status).toBe(200);
    const before = rssBytes();
    const held: Socket[] = [];
    for (let i = 0; i < 60; i++) {
      const { socket } = await socketFrom(`127.0.0.${i + 2}`);
      held.push(socket);
      // The whole compressed body in one chunk; the closing chunk never comes.
      socket.write(
        Buffer.concat([
          head([
            `POST /webhooks/spotnana/${subscription} HTTP/1.1`,
            "Host: skyhook.test",
            "Content-Type: application/json",
            "Content-Encoding: gzip",
            "Transfer-Encoding: chunked",
            ...plausibleHeaders(),
          ]),
          Buffer.from(`${bomb.length.toString(16)}\r\n`),
          bomb,
          Buffer.from("\r\n"),
        ]),
      );
    }
    const answers: Array<{ status: number; ms: number }> = [];
    for (let i = 0; i < 10; i++) {
      answers.push(await validDelivery());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const grownBytes = rssBytes() - before;
    for (const socket of held) socket.destroy();
    console.log(
      `60 held bombs: RSS grew ${(grownBytes / 1024 / 1024).toFixed(1)} MB; valid deliveries answered in ${answers.map((a) => Math.round(a.ms)).join(", ")} ms`,
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);
    // Inflated as they arrived, the 60 bodies grew it by 600 MB and more.
    expect(grownBytes).toBeLessThan(40 * 1024 * 1024);
  }, 60_000);

  it("refuses a finished compression bomb for about a millisecond of CPU more than any refused delivery, one per address", async () => {
    const count = 200;
    /** Sends `body` from a fresh address each time; CPU per request and what it was answered. */
    const refuse = async (body: Buffer, coding: string[], subnet: number) => {
      const refusals = new Map<string, number>();
      const started = cpuMs();
      for (let i = 0; i < count; i++) {
        const { socket, answer } = await socketFrom(`127.0.${subnet}.${(i % 250) + 2}`);
        socket.write(
          Buffer.concat([
            head([
              `POST /webhooks/spotnana/${subscription} HTTP/1.1`,
              "Host: skyhook.test",
              "Content-Type: application/json",
              "Connection: close",
              ...coding,
              `Content-Length: ${body.length}`,
              ...plausibleHeaders(),
            ]),
            body,
          ]),
        );
        await once(socket, "close");
        const { status, body: answered } = parseRawResponse(Buffer.from(answer(), "latin1"));
        const { message } = parseJsonAs(answered, ErrorAnswer, `the ${status} answer`).error;
        refusals.set(`${status} ${message}`, (refusals.get(`${status} ${message}`) ?? 0) + 1);
      }
      return { perRequestMs: (cpuMs() - started) / count, refusals: [...refusals] };
    };
    const plain = await refuse(
      Buffer.from(JSON.stringify(envelope("BOOKING_CREATED", pnrPayload()))),
      [],
      1,
    );
    const bombs = await refuse(bomb, ["Content-Encoding: gzip"], 2);
    console.log(
      `CPU per refusal: a wrongly signed 2 KB delivery ${plain.perRequestMs.toFixed(2)} ms, a compression bomb ${bombs.perRequestMs.toFixed(2)} ms`,
    );
    expect(plain.refusals).toEqual([["401 signature refused: no signature matches", count]]);
    expect(bombs.refusals).toEqual([
      ["413 request body decodes to more than 64 times its compressed size", count],
    ]);
    // Inflated to the limit and HMAC'd before its 401, each bomb cost 85 ms.
    expect(bombs.perRequestMs - plain.perRequestMs).toBeLessThan(1.5);
  }, 90_000);

  it("answers 415 to a brotli body and 501 to a transfer coding it cannot undo, before reading any of it", async () => {
    for (const [framing, status] of [
      ["Content-Encoding: br", 415],
      ["Transfer-Encoding: gzip, chunked", 501],
    ] as const) {
      const { socket, answer } = await socketFrom("127.0.0.1");
      socket.write(
        head([
          `POST /webhooks/spotnana/${subscription} HTTP/1.1`,
          "Host: skyhook.test",
          framing,
          ...(framing.startsWith("Content") ? [`Content-Length: ${tenMiB - 1}`] : []),
          ...plausibleHeaders(),
        ]),
      );
      // Nothing of the body is sent: the answer comes anyway, and the connection is closed.
      await once(socket, "close");
      expect(parseRawResponse(Buffer.from(answer(), "latin1")).status, framing).toBe(status);
    }
    const brotli = brotliCompressSync(Buffer.alloc(tenMiB, "{"));
    expect(brotli.length).toBeLessThan(100);
  });

  it("refuses, before reading its body, a signed delivery whose timestamp is out of the window or whose signature cannot be one", async () => {
    const stale = plausibleHeaders().map((h) =>
      h.startsWith("x-spotnana-webhook-timestamp")
        ? `x-spotnana-webhook-timestamp: ${Math.floor(Date.now() / 1000) - 3_600}`
        : h,
    );
    const shapeless = plausibleHeaders().map((h) =>
      h.startsWith("x-spotnana-webhook-signature") ? "x-spotnana-webhook-signature: v1,AAAA" : h,
    );
    for (const [what, headers, reason] of [
      ["an hour-old timestamp", stale, "timestamp is too old"],
      ["a signature of the wrong length", shapeless, "no v1 signature in the header"],
    ] as const) {
      const { socket, answer } = await socketFrom("127.0.0.1");
      socket.write(
        head([
          `POST /webhooks/spotnana/${subscription} HTTP/1.1`,
          "Host: skyhook.test",
          `Content-Length: ${tenMiB - 1}`,
          ...headers,
        ]),
      );
      await waitFor(`the answer to ${what}`, () =>
        answer().includes("\r\n\r\n") ? true : undefined,
      );
      const response = parseRawResponse(Buffer.from(answer(), "latin1"));
      socket.destroy();
      expect(response.status, what).toBe(401);
      expect(JSON.parse(response.body), what).toMatchObject({
        error: { code: "unauthorized", message: `signature refused: ${reason}` },
      });
      // The operator reads the same reason in the request's log line.
      const requestId = response.headers["x-request-id"];
      const line = await ingress?.waitForLog(
        `the log line of ${what}`,
        (l) => l.requestId === requestId,
      );
      expect(line, what).toMatchObject({
        status: 401,
        errorCode: "unauthorized",
        errorMessage: `signature refused: ${reason}`,
      });
    }
  });

  it("still accepts a plain 5 MB delivery", async () => {
    const payload = pnrPayload();
    const body = JSON.stringify(
      envelope("BOOKING_CREATED", { ...payload, remarks: "r".repeat(5 * 1024 * 1024) }),
    );
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/spotnana/${subscription}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signedHeaders(signingSecret, body) },
      body,
    });
    expect(response.status, await response.text()).toBe(200);
  });
});
