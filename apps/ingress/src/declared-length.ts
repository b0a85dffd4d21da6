import type { NextFunction, Request, Response } from "express";
import { IngressError } from "./errors.ts";

/**
 * Refuses a request whose declared `Content-Length` is over the limit before any of its body
 * is read, and closes the connection. Without it the body parser, once it has refused the
 * size, drains the whole declared body before answering: a 1 TB declaration got no answer at
 * all. Nothing is revealed by answering before authentication: the limit is documented.
 */
export function refuseDeclaredOversize(limitBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limitBytes) {
      res.setHeader("Connection", "close");
      next(
        new IngressError(
          "payload_too_large",
          `declared request body exceeds the configured limit (${limitBytes} bytes)`,
        ),
      );
      return;
    }
    next();
  };
}
