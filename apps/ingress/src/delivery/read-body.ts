import type { IncomingMessage } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { IngressError } from "../errors.ts";
import type { BodyBudget } from "./body-budget.ts";
import type { ContentCoding } from "./content-coding.ts";

export type BodyLimits = {
  /** The most bytes a body may have, on the wire and once decoded. */
  limitBytes: number;
  /**
   * A compressed body may decode to at most this many times its size (plus `ratioSlackBytes`):
   * JSON compresses some 3 to 25 times, a compression bomb a thousand. Decoding stops there,
   * so a refused bomb costs work in proportion to the bytes sent, not to the limit.
   */
  maxCompressionRatio: number;
};

/** Lets small compressed bodies decode to a useful size whatever the ratio. */
const ratioSlackBytes = 64 * 1024;

const tooLarge = (message: string) =>
  new IngressError("payload_too_large", message, undefined, { closeConnection: true });

function decode(wire: Buffer, coding: ContentCoding, limits: BodyLimits): Buffer {
  if (coding === "identity") return wire;
  const byRatio = wire.length * limits.maxCompressionRatio + ratioSlackBytes;
  const maxOutputLength = Math.min(limits.limitBytes, byRatio);
  try {
    return coding === "gzip"
      ? gunzipSync(wire, { maxOutputLength })
      : inflateSync(wire, { maxOutputLength });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw byRatio < limits.limitBytes
        ? tooLarge(
            `request body decodes to more than ${limits.maxCompressionRatio} times its compressed size`,
          )
        : tooLarge(
            `request body exceeds the configured limit once decoded (${limits.limitBytes} bytes)`,
          );
    throw new IngressError("bad_request", `request body does not decode as ${coding}`);
  }
}

/**
 * Reads a delivery's body and decodes it, within the limits: more than `limitBytes` on the
 * wire is refused as soon as it arrives (a chunked body declares no length to judge first);
 * a read held to `held` (the sender is not yet known) is refused 503 once the budget cannot
 * take its next chunk. The budget is given back when the body is decoded or refused. Decoding
 * is synchronous: one decoded body is in memory at a time, whatever the number of requests.
 */
export async function readBody(
  req: IncomingMessage,
  coding: ContentCoding,
  limits: BodyLimits,
  held: { budget: BodyBudget; address: string; retryAfterSec: number } | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  let reserved = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const stop = (err?: IngressError) => {
        req.off("data", onData).off("end", onEnd).off("close", onClose).off("error", onClose);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > limits.limitBytes) {
          stop(tooLarge(`request body exceeds the configured limit (${limits.limitBytes} bytes)`));
          return;
        }
        if (held !== undefined) {
          if (!held.budget.take(held.address, chunk.length)) {
            stop(
              new IngressError(
                "busy",
                "too many request bodies are being read; retry later",
                undefined,
                { retryAfterSec: held.retryAfterSec, closeConnection: true },
              ),
            );
            return;
          }
          reserved += chunk.length;
        }
        chunks.push(chunk);
      };
      const onEnd = () => stop();
      // Closed before its end: the client went away, or the connection was cut.
      const onClose = () => stop(new IngressError("malformed_json", "request body ended early"));
      if (req.readableEnded) {
        resolve();
        return;
      }
      req.on("data", onData).on("end", onEnd).on("close", onClose).on("error", onClose);
    });
    return decode(Buffer.concat(chunks, received), coding, limits);
  } finally {
    if (held !== undefined && reserved > 0) held.budget.give(held.address, reserved);
  }
}
