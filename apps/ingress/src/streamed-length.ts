import type { NextFunction, Request, RequestHandler, Response } from "express";
import { IngressError } from "./errors.ts";

/**
 * Runs `parsers` in turn, but refuses the request with 413 as soon as more than `limitBytes` of
 * its body have arrived, and closes the connection. A chunked body declares no length for
 * `refuseDeclaredOversize` to judge, and body-parser, once over its limit, reads the rest of
 * the body off the wire before it answers: a body that kept coming was answered only by the
 * request timeout, with 408. The bytes counted are those on the wire, as a declared length
 * counts them; body-parser still applies the limit after inflation.
 */
export function refuseStreamedOversize(
  limitBytes: number,
  ...parsers: RequestHandler[]
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let received = 0;
    let settled = false;
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      req.off("data", count);
      next(err);
    };
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        res.setHeader("Connection", "close");
        settle(
          new IngressError(
            "payload_too_large",
            `request body exceeds the configured limit (${limitBytes} bytes)`,
          ),
        );
      }
    };
    const run = parsers.reduceRight<(err?: unknown) => void>(
      (after, parser) => (err) => (err === undefined ? parser(req, res, after) : after(err)),
      settle,
    );
    run();
    // Counted only once a parser reads the body: a listener of its own would start the flow of
    // data before the parser listens. Put first, so the limit is judged here on the chunk that
    // passes it, whichever parser reads it.
    if (!settled) req.prependListener("data", count);
  };
}
