import { randomUUID } from "node:crypto";
import { ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { errorBodyOf, IngressError } from "./errors.ts";

/**
 * What Node's HTTP parser or its timeouts refused, by the error `code` Node documents for
 * `clientError`; anything else the parser rejects (request line, framing, header syntax) is
 * the client's bad request.
 */
function refusalOf(code: unknown): IngressError {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return new IngressError("header_too_large", "request headers exceed the size limit");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new IngressError("request_timeout", "the request was not received in time");
    default:
      return new IngressError("bad_request", "the request is not valid HTTP/1.1");
  }
}

/**
 * The response Node is writing, or will write next, on this connection: Node keeps it on the
 * socket as `_httpMessage`, and the responses to pipelined requests wait behind it.
 */
function responseInFlight(socket: Duplex): ServerResponse | undefined {
  const pending: unknown = Reflect.get(socket, "_httpMessage");
  return pending instanceof ServerResponse ? pending : undefined;
}

/**
 * Runs `then` once the requests pipelined before the refused one have been answered, in order,
 * as HTTP/1.1 requires: written at once, the refusal would take the place of the answer to an
 * earlier delivery, which may already be stored. Only requests received whole are waited for:
 * one still arriving (the error is in its own body) can never be answered, and the refusal is
 * its answer.
 */
function afterEarlierResponses(socket: Duplex, then: () => void): void {
  const pending = responseInFlight(socket);
  if (socket.destroyed || pending === undefined || !pending.req.complete) {
    then();
    return;
  }
  // Node's own `finish` listener, registered first, has by then put the next response in place.
  const settled = () => {
    pending.off("finish", settled).off("close", settled);
    afterEarlierResponses(socket, then);
  };
  pending.on("finish", settled).on("close", settled);
}

/**
 * Whether a response on this connection has begun: then the bytes on the wire belong to it,
 * and an error response written now would corrupt it. Node applies the same test before its
 * own default answer.
 */
function responseStarted(socket: Duplex): boolean {
  return responseInFlight(socket)?.headersSent === true;
}

/**
 * The server's `clientError` listener: answers what never became a request (bad request line,
 * oversized headers, conflicting Content-Length and Transfer-Encoding, a request not received
 * in time) with the same JSON error body as every other refusal, then closes the connection,
 * since after a parse error nothing more on it can be framed. Only the error code is logged:
 * Node's error carries the raw bytes received, which may hold credentials.
 */
export function answerClientError(logger: Logger) {
  // The parser reports its error again for every later byte on the connection: answered once.
  const refusing = new WeakSet<Duplex>();
  return (err: Error & { code?: unknown }, socket: Duplex): void => {
    if (refusing.has(socket)) return;
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    refusing.add(socket);
    const error = refusalOf(err.code);
    const requestId = randomUUID();
    const body = JSON.stringify(errorBodyOf(error, requestId));
    logger.warn(
      { requestId, status: error.status, errorCode: error.code, parserCode: err.code },
      "request refused before it was read",
    );
    const head = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}`,
      "Content-Type: application/json; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      "Connection: close",
    ].join("\r\n");
    afterEarlierResponses(socket, () => {
      if (!socket.writable || responseStarted(socket)) {
        socket.destroy();
        return;
      }
      // Destroyed once written, so a client that never reads cannot keep the socket.
      socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
    });
  };
}
