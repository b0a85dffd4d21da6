import { describe, expect, it } from "vitest";
import { createHttpServer, defaultHttpLimits } from "./http-server.ts";

const noop = () => undefined;

describe("createHttpServer", () => {
  it("sets every limit it is given on the server", () => {
    const server = createHttpServer(noop, {
      headersTimeoutMs: 1_500,
      requestTimeoutMs: 7_000,
      keepAliveTimeoutMs: 4_000,
      idleTimeoutMs: 9_000,
    });
    expect({
      headers: server.headersTimeout,
      request: server.requestTimeout,
      keepAlive: server.keepAliveTimeout,
      idle: server.timeout,
    }).toEqual({ headers: 1_500, request: 7_000, keepAlive: 4_000, idle: 9_000 });
  });

  it("bounds a server made without limits too", () => {
    const server = createHttpServer(noop);
    expect(server.requestTimeout).toBe(defaultHttpLimits.requestTimeoutMs);
    expect(server.timeout).toBe(defaultHttpLimits.idleTimeoutMs);
  });

  it("refuses headers allowed longer than the whole request", () => {
    expect(() =>
      createHttpServer(noop, {
        ...defaultHttpLimits,
        headersTimeoutMs: 20_000,
        requestTimeoutMs: 10_000,
      }),
    ).toThrow(RangeError);
  });
});
