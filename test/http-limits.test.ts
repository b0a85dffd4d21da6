import { newSigningSecret, signedHeaders } from "@skyhook/spotnana-sender";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIngress } from "./support/in-process.ts";
import { ErrorAnswer } from "./support/ingress-answers.ts";
import { parseJsonAs } from "./support/json-body.ts";
import { openSocket, parseRawResponse, type SocketExchange } from "./support/raw-http.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/*
 * The HTTP layer under abuse, from raw sockets: what a slow or malformed sender gets, and that
 * it cannot hold a connection open for longer than the configured timeouts.
 */

const headersTimeoutMs = 1_000;
const requestTimeoutMs = 2_000;
const signingSecret = newSigningSecret();
const redis = connect();
const prefixes: string[] = [];
const ingresses: Array<Awaited<ReturnType<typeof startIngress>>> = [];
const sockets: SocketExchange[] = [];

async function ingressWith(env: Record<string, string>) {
  const prefix = uniquePrefix("http-limits");
  prefixes.push(prefix);
  const ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SPOTNANA_SIGNING_SECRETS: signingSecret,
    BODY_LIMIT_BYTES: String(64 * 1024),
    ...env,
  });
  ingresses.push(ingress);
  return { ...ingress, port: Number(new URL(ingress.baseUrl).port) };
}

let ingress: Awaited<ReturnType<typeof ingressWith>>;
/** A request timeout far beyond any test's deadline, so only what is tested can answer. */
let patient: Awaited<ReturnType<typeof ingressWith>>;
beforeAll(async () => {
  ingress = await ingressWith({
    HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
    REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
    KEEP_ALIVE_TIMEOUT_MS: "1000",
  });
  patient = await ingressWith({
    HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
    REQUEST_TIMEOUT_MS: "60000",
  });
});
afterAll(async () => {
  for (const s of sockets) s.socket.destroy();
  for (const i of ingresses) await i.close();
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

const open = async (port = ingress.port) => {
  const s = await openSocket(port);
  sockets.push(s);
  return s;
};

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

/** Signed like Spotnana, so the ingress must read the body to verify it. */
const signedDeliveryHead = (contentLength: number) =>
  head([
    "POST /webhooks/spotnana HTTP/1.1",
    "Host: skyhook.test",
    "Content-Type: application/json",
    `Content-Length: ${contentLength}`,
    ...Object.entries(signedHeaders(signingSecret, "{}")).map(([k, v]) => `${k}: ${v}`),
  ]);

const closed = (s: SocketExchange, what: string, timeoutMs: number) =>
  waitFor(what, () => s.closedAfterMs(), timeoutMs, 20);

/** The ingress's one error body, answered on the raw socket, which the server then closes. */
function expectJsonError(s: SocketExchange, status: number, code: string) {
  const response = parseRawResponse(s.received());
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const body = parseJsonAs(response.body, ErrorAnswer, `the ${status} answer`);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId.length).toBeGreaterThan(0);
  expect(response.headers["x-request-id"]).toBe(body.error.requestId);
  return body;
}

describe("slow senders", () => {
  it("answers and closes 200 connections that each send 1 byte of a declared 1000-byte body within the request timeout", async () => {
    const slow = await Promise.all(Array.from({ length: 200 }, () => open()));
    for (const s of slow) s.socket.write(`${signedDeliveryHead(1000)}{`);
    const deadlineMs = 3 * requestTimeoutMs;
    const startedAt = Date.now();
    await waitFor(
      "all 200 slow connections to be closed by the server",
      () => (slow.every((s) => s.closedAfterMs() !== undefined) ? true : undefined),
      deadlineMs,
      50,
    );
    expect(Date.now() - startedAt).toBeLessThanOrEqual(deadlineMs + 1_000);
    for (const s of slow) expectJsonError(s, 408, "request_timeout");
  }, 30_000);

  it("cuts off headers sent one byte at a time once the headers timeout passes", async () => {
    const s = await open(patient.port);
    s.socket.write("POST /webhooks/spotnana HTTP/1.1\r\nHost: skyhook.test\r\nX-Slow: ");
    const trickle = setInterval(() => {
      if (!s.socket.destroyed) s.socket.write("a");
    }, 250);
    try {
      await closed(s, "the slow-headers connection to be closed", 3 * headersTimeoutMs + 1_000);
    } finally {
      clearInterval(trickle);
    }
    expectJsonError(s, 408, "request_timeout");
  }, 30_000);
});

describe("silent connections", () => {
  it("closes a connection that never sends a byte once the headers timeout passes", async () => {
    const s = await open();
    await closed(s, "the silent connection to be closed", 3 * headersTimeoutMs + 1_000);
  });
});

describe("declared body size", () => {
  it("answers 413 to a signed delivery declaring Content-Length 1000000000000 without reading its body, and closes", async () => {
    // On the patient ingress no timeout answers within the wait: the 413 came before the body.
    const s = await open(patient.port);
    s.socket.write(signedDeliveryHead(1_000_000_000_000));
    await waitFor("an answer", () => (s.received().includes("\r\n\r\n") ? true : undefined), 5_000);
    const body = expectJsonError(s, 413, "payload_too_large");
    expect(body.error.message).toMatch(/limit/);
    await closed(s, "the connection to be closed after the 413", 5_000);
  });

  it("answers 413 to a token request declaring a body over its limit without reading it", async () => {
    const s = await open(patient.port);
    s.socket.write(
      head([
        "POST /oauth/token HTTP/1.1",
        "Host: skyhook.test",
        "Content-Type: application/x-www-form-urlencoded",
        "Content-Length: 1000000000",
      ]),
    );
    await waitFor("an answer", () => (s.received().includes("\r\n\r\n") ? true : undefined), 5_000);
    expectJsonError(s, 413, "payload_too_large");
    await closed(s, "the connection to be closed after the 413", 5_000);
  });
});

describe("malformed HTTP", () => {
  const exchange = async (raw: string) => {
    const s = await open();
    s.socket.write(raw);
    await closed(s, "the server to close the connection", 5_000);
    return s;
  };

  it("answers a bad request line with 400 and the JSON error body", async () => {
    const s = await exchange("GARBAGE\r\n\r\n");
    expectJsonError(s, 400, "bad_request");
  });

  it("answers headers over the size limit with 431 and the JSON error body", async () => {
    const s = await exchange(
      head(["GET /healthz HTTP/1.1", "Host: skyhook.test", `X-Big: ${"a".repeat(20_000)}`]),
    );
    expectJsonError(s, 431, "header_too_large");
  });

  it("answers a request with both Content-Length and Transfer-Encoding with 400 and the JSON error body", async () => {
    const s = await exchange(
      `${head([
        "POST /webhooks/spotnana HTTP/1.1",
        "Host: skyhook.test",
        "Content-Length: 5",
        "Transfer-Encoding: chunked",
      ])}0\r\n\r\n`,
    );
    expectJsonError(s, 400, "bad_request");
  });

  it("answers a malformed request after a good one on the same connection with the JSON body", async () => {
    const s = await open();
    s.socket.write(head(["GET /healthz HTTP/1.1", "Host: skyhook.test"]));
    await waitFor("the first answer", () => (s.received().includes("ok") ? true : undefined));
    const first = s.received().length;
    s.socket.write("GARBAGE\r\n\r\n");
    await closed(s, "the server to close the connection", 5_000);
    const second = parseRawResponse(s.received().subarray(first));
    expect(second.status).toBe(400);
    expect(parseJsonAs(second.body, ErrorAnswer, "the second answer").error.code).toBe(
      "bad_request",
    );
  });
});
