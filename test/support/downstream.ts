import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * The flight-cancelled handler's notice as a receiver reads it: the PNR it is about (the other
 * fields pass through).
 */
export const Notice = z.looseObject({ type: z.literal("FLIGHT_CANCELLED"), pnrId: z.string() });

/** `atMs`: when the whole request had arrived (`Date.now()`), for tests that time a recovery. */
export type Received = { headers: IncomingHttpHeaders; body: unknown; atMs: number };

/** A status, or a status with headers (`Retry-After`, say), or "hang". */
export type DownstreamAnswer =
  | number
  | { status: number; headers: Record<string, string> }
  | "hang";

/**
 * A notification receiver whose answers the test scripts: `respond` picks the answer for the
 * n-th request (0-based), or returns "hang" to hold the request open until the client gives up.
 * `answerAfterMs` holds every answer that long, as a receiver doing real work would.
 */
export async function startDownstream(
  respond: (n: number) => DownstreamAnswer = () => 200,
  answerAfterMs = 0,
) {
  const received: Received[] = [];
  let count = 0;
  const unanswered = new Set<Received>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = respond(count++);
      const entry: Received = {
        atMs: Date.now(),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      };
      received.push(entry);
      unanswered.add(entry);
      if (answer === "hang") return;
      const { status, headers } =
        typeof answer === "number" ? { status: answer, headers: {} } : answer;
      const send = () => {
        unanswered.delete(entry);
        res.writeHead(status, { "content-type": "application/json", ...headers }).end("{}");
      };
      if (answerAfterMs > 0) setTimeout(send, answerAfterMs);
      else send();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    requestCount: () => count,
    /** Requests received whose answer has not been sent yet. */
    held: () => [...unanswered],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
