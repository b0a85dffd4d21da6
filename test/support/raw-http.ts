import { once } from "node:events";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { connect, type Socket } from "node:net";

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

/** What one raw TCP connection received, and whether and when the server closed it. */
export type SocketExchange = {
  socket: Socket;
  received(): Buffer;
  /** Milliseconds from connecting to the server closing the connection; undefined while open. */
  closedAfterMs(): number | undefined;
};

/**
 * A bare TCP connection, for what node:http refuses to send: bad request lines, conflicting
 * framing, bodies that never arrive. Writes are the caller's; reads are collected.
 */
export async function openSocket(port: number, host = "127.0.0.1"): Promise<SocketExchange> {
  const socket = connect({ port, host });
  const startedAt = Date.now();
  const chunks: Buffer[] = [];
  let closedAt: number | undefined;
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // A reset from a server that answered and closed is still a close; errors are not failures.
  socket.on("error", () => undefined);
  socket.on("close", () => {
    closedAt = Date.now();
  });
  await once(socket, "connect");
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closedAfterMs: () => (closedAt === undefined ? undefined : closedAt - startedAt),
  };
}

export type RawResponse = { status: number; headers: Record<string, string>; body: string };

function parseHead(head: string): Omit<RawResponse, "body"> {
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status, headers };
}

/** The first response in raw bytes: its status, headers (lower-case names) and body. */
export function parseRawResponse(raw: Buffer): RawResponse {
  const text = raw.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no complete response head in ${JSON.stringify(text)}`);
  return { ...parseHead(text.slice(0, end)), body: text.slice(end + 4) };
}

/**
 * Every complete response in raw bytes, in the order the server wrote them: several when
 * requests were pipelined. Each is framed by its Content-Length, as every ingress answer is;
 * a response still arriving is left out.
 */
export function parseRawResponses(raw: Buffer): RawResponse[] {
  // latin1 maps each byte to one character, so string offsets are byte offsets.
  const text = raw.toString("latin1");
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", offset);
    if (end < 0) return responses;
    const head = parseHead(text.slice(offset, end));
    const length = Number(head.headers["content-length"] ?? 0);
    const bodyStart = end + 4;
    if (text.length < bodyStart + length) return responses;
    responses.push({ ...head, body: text.slice(bodyStart, bodyStart + length) });
    offset = bodyStart + length;
  }
}
