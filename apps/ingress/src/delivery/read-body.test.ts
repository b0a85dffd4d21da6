import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { IngressError } from "../errors.ts";
import { createBodyBudget } from "./body-budget.ts";
import { contentCodingOf } from "./content-coding.ts";
import { readBody } from "./read-body.ts";

/**
 * The body reader over real HTTP: a node:http server hands each request to `readBody` and
 * answers with what it read or the refusal's status and code.
 */
const limits = { limitBytes: 1024 * 1024, maxCompressionRatio: 16 };
const budget = createBodyBudget({ totalBytes: 3 * 1024 * 1024, perAddressBytes: 1024 * 1024 });
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.closeAllConnections();
});

async function serve(held: boolean): Promise<number> {
  const server = createServer((req: IncomingMessage, res) => {
    const coding = contentCodingOf(req.headers);
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify(body));
    };
    if (coding instanceof IngressError) {
      answer(coding.status, { code: coding.code });
      return;
    }
    const address = String(req.headers["x-address"] ?? "a");
    readBody(req, coding, limits, held ? { budget, address, retryAfterSec: 2 } : undefined).then(
      (body) => answer(200, { bytes: body.length, text: body.subarray(0, 20).toString() }),
      (err: IngressError) =>
        answer(err.status, {
          code: err.code,
          message: err.message,
          retryAfterSec: err.retryAfterSec,
          close: err.closeConnection,
        }),
    );
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

const post = async (port: number, body: Buffer | string, headers: Record<string, string> = {}) => {
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("readBody", () => {
  it("reads a plain body, and a gzip or deflate one decoded", async () => {
    const port = await serve(false);
    const json = JSON.stringify({ event_type: "PNR_V3", n: "x".repeat(500) });
    expect(await post(port, json)).toEqual({
      status: 200,
      body: { bytes: json.length, text: json.slice(0, 20) },
    });
    for (const [coding, encoded] of [
      ["gzip", gzipSync(json)],
      ["x-gzip", gzipSync(json)],
      ["deflate", deflateSync(json)],
    ] as const)
      expect(await post(port, encoded, { "content-encoding": coding }), coding).toEqual({
        status: 200,
        body: { bytes: json.length, text: json.slice(0, 20) },
      });
  });

  it("refuses a compressed body that decodes to more than the ratio allows, before the limit", async () => {
    const port = await serve(false);
    const bomb = gzipSync(Buffer.alloc(limits.limitBytes, "a"));
    expect(bomb.length * limits.maxCompressionRatio + 64 * 1024).toBeLessThan(limits.limitBytes);
    expect(await post(port, bomb, { "content-encoding": "gzip" })).toEqual({
      status: 413,
      body: {
        code: "payload_too_large",
        message: "request body decodes to more than 16 times its compressed size",
        close: true,
      },
    });
  });

  it("refuses a body over the limit once decoded, and one over the limit on the wire", async () => {
    const port = await serve(false);
    // Random hex: gzip shrinks it less than twice, so only the limit can refuse it decoded.
    const large = Buffer.from(randomBytes(limits.limitBytes / 2 + 1).toString("hex"));
    expect((await post(port, gzipSync(large), { "content-encoding": "gzip" })).body.message).toBe(
      `request body exceeds the configured limit once decoded (${limits.limitBytes} bytes)`,
    );
    expect((await post(port, large)).body).toMatchObject({
      code: "payload_too_large",
      close: true,
    });
  });

  it("answers 400 for a body that does not decode as its coding says", async () => {
    const port = await serve(false);
    expect(await post(port, "not gzip", { "content-encoding": "gzip" })).toMatchObject({
      status: 400,
      body: { code: "bad_request", message: "request body does not decode as gzip" },
    });
  });

  it("refuses a held read once its address's share of the budget is taken, and gives it back", async () => {
    const port = await serve(true);
    const socket = connect({ port, host: "127.0.0.1" });
    await once(socket, "connect");
    const half = limits.limitBytes / 2 + 1;
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nX-Address: busy\r\nContent-Length: ${half + 10}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(half, "a"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(budget.usedBytes).toBe(half);
    expect(await post(port, Buffer.alloc(half, "b"), { "x-address": "busy" })).toEqual({
      status: 503,
      body: {
        code: "busy",
        message: "too many request bodies are being read; retry later",
        retryAfterSec: 2,
        close: true,
      },
    });
    expect((await post(port, Buffer.alloc(half, "c"), { "x-address": "other" })).status).toBe(200);
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(budget.usedBytes).toBe(0);
    expect((await post(port, Buffer.alloc(half, "d"), { "x-address": "busy" })).status).toBe(200);
  });
});

describe("the body budget", () => {
  it("holds each address to its share and everyone to the total", () => {
    const b = createBodyBudget({ totalBytes: 10, perAddressBytes: 6 });
    expect(b.take("a", 6)).toBe(true);
    expect(b.take("a", 1)).toBe(false);
    expect(b.take("b", 4)).toBe(true);
    expect(b.take("c", 1)).toBe(false);
    b.give("a", 6);
    expect(b.take("c", 5)).toBe(true);
    expect(b.usedBytes).toBe(9);
  });
});

describe("contentCodingOf", () => {
  it("takes no coding, identity, gzip, x-gzip and deflate", () => {
    expect(contentCodingOf({})).toBe("identity");
    expect(contentCodingOf({ "content-encoding": "Identity" })).toBe("identity");
    expect(contentCodingOf({ "content-encoding": " GZIP " })).toBe("gzip");
    expect(contentCodingOf({ "content-encoding": "x-gzip" })).toBe("gzip");
    expect(contentCodingOf({ "content-encoding": "deflate" })).toBe("deflate");
    expect(contentCodingOf({ "transfer-encoding": "chunked" })).toBe("identity");
  });

  it.each(["br", "zstd", "compress", "gzip, gzip", "gzip, br"])(
    "refuses Content-Encoding %s with 415",
    (coding) => {
      const refused = contentCodingOf({ "content-encoding": coding });
      expect(refused).toBeInstanceOf(IngressError);
      expect(refused).toMatchObject({ status: 415, code: "unsupported_encoding" });
    },
  );

  it.each(["gzip, chunked", "gzip", "deflate, chunked"])(
    "refuses Transfer-Encoding %s with 501",
    (coding) => {
      expect(contentCodingOf({ "transfer-encoding": coding })).toMatchObject({
        status: 501,
        code: "unsupported_transfer_encoding",
      });
    },
  );
});
