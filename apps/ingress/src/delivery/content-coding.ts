import type { IncomingHttpHeaders } from "node:http";
import { IngressError } from "../errors.ts";

/**
 * The body codings a delivery may use. Spotnana documents none; its sample receiver inflates
 * gzip and deflate, so those are kept. Anything else (brotli above all: 41 bytes of it inflate
 * to megabytes) is refused before a byte of the body is read.
 */
export type ContentCoding = "identity" | "gzip" | "deflate";

const codings: Record<string, ContentCoding> = {
  "": "identity",
  identity: "identity",
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
};

/** An attacker-chosen header value, quoted in an answer: short and printable only. */
const quoted = (value: string) => JSON.stringify(value.slice(0, 40));

/**
 * How the body is encoded, or the refusal: a `Content-Encoding` other than one coding from the
 * list is 415; a `Transfer-Encoding` other than `chunked` is 501 (RFC 9112 §6.1: a server that
 * does not understand a transfer coding answers 501), since its bytes could not be framed or
 * decoded as sent.
 */
export function contentCodingOf(headers: IncomingHttpHeaders): ContentCoding | IngressError {
  const transfer = headers["transfer-encoding"]?.trim().toLowerCase();
  if (transfer !== undefined && transfer !== "chunked")
    return new IngressError(
      "unsupported_transfer_encoding",
      `Transfer-Encoding ${quoted(transfer)} is not supported; send the body plain or chunked`,
      undefined,
      { closeConnection: true },
    );
  const given = headers["content-encoding"]?.trim().toLowerCase() ?? "";
  const coding = codings[given];
  if (coding === undefined)
    return new IngressError(
      "unsupported_encoding",
      `Content-Encoding ${quoted(given)} is not accepted; send the body plain, gzip or deflate`,
      undefined,
      { closeConnection: true },
    );
  return coding;
}
