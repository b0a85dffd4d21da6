import { createServer, type RequestListener, type Server } from "node:http";

/** How long one connection may take at each stage before the server cuts it off. */
export type HttpLimits = {
  /** From the first byte of a request to the end of its headers. */
  headersTimeoutMs: number;
  /** From the first byte of a request to the end of its body. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between requests. */
  keepAliveTimeoutMs: number;
  /** How long a connection may send and read nothing at all, in any stage (0: no limit). */
  idleTimeoutMs: number;
};

export const defaultHttpLimits: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
};

/**
 * Node enforces the headers and request timeouts only when it sweeps its connections, every
 * `connectionsCheckingInterval` (30 s by default), so a 10 s limit could hold for 40 s. The
 * sweep runs here at a quarter of the shorter limit, at most once a second.
 */
const sweepIntervalMs = (limits: HttpLimits) =>
  Math.max(
    50,
    Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
  );

/**
 * The one way a public server is created, so production and tests run with the same limits.
 * Without them Node waits 60 s for headers, 300 s for a body, and for ever for a silent
 * connection: a slow sender could hold thousands of sockets open.
 */
export function createHttpServer(
  listener: RequestListener,
  limits: HttpLimits = defaultHttpLimits,
): Server {
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError("headersTimeoutMs must not exceed requestTimeoutMs");
  }
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: sweepIntervalMs(limits),
    },
    listener,
  );
  // Covers what the two timeouts above do not: a client that stops reading its response.
  server.timeout = limits.idleTimeoutMs;
  return server;
}
