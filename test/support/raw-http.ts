import { Agent, type IncomingHttpHeaders, request } from "node:http";

/** A request exactly as it goes on the wire: headers in order, duplicates allowed, raw bytes. */
export type WireRequest = {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body: Buffer;
};

export type WireResponse = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** One keep-alive connection: requests go one at a time, as a single Spotnana node would send. */
export const rawAgent = () => new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * Sends with node:http rather than fetch: fetch refuses or rewrites some headers (duplicates,
 * Content-Length, odd methods), and a fuzzer needs to send exactly what it generated. Host and
 * Content-Length are always set and correct; mismatches are the HTTP parser's business.
 */
export function sendRaw(
  target: { host: string; port: number; agent: Agent },
  wire: WireRequest,
  timeoutMs = 10_000,
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = [
      ["host", `${target.host}:${target.port}`],
      ["content-length", String(wire.body.length)],
      ...wire.headers,
    ].flat();
    const req = request(
      {
        host: target.host,
        port: target.port,
        agent: target.agent,
        method: wire.method,
        path: wire.path,
        headers,
        timeout: timeoutMs,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server may answer (413, 401) before it read the whole body and then close; the answer
    // is what counts, a write error after it is not a failure.
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    req.end(wire.body);
  });
}
