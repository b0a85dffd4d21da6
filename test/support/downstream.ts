import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** `atMs`: when the whole request had arrived (`Date.now()`), for tests that time a recovery. */
export type Received = { headers: IncomingHttpHeaders; body: unknown; atMs: number };

/**
 * A notification receiver whose answers the test scripts: `respond` picks the status for the
 * n-th request (0-based), or returns "hang" to hold the request open until the client gives up.
 */
export async function startDownstream(respond: (n: number) => number | "hang" = () => 200) {
  const received: Received[] = [];
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = respond(count++);
      received.push({
        atMs: Date.now(),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      if (answer === "hang") return;
      res.writeHead(answer, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    requestCount: () => count,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
