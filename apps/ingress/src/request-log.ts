import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { RequestState } from "./request-state.ts";

const safeHeaderId = /^[A-Za-z0-9._-]{1,128}$/;

function headerId(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && safeHeaderId.test(value) ? value : undefined;
}

/**
 * One structured line per request, written when the response is finished. Spotnana support
 * asks for the X-B3 trace and span ids, so they are on every line.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = process.hrtime.bigint();
    const state: RequestState = {
      requestId: headerId(req, "x-request-id") ?? randomUUID(),
      traceId: headerId(req, "x-b3-traceid"),
      spanId: headerId(req, "x-b3-spanid"),
    };
    res.locals.state = state;
    res.setHeader("X-Request-Id", state.requestId);
    res.on("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      const line = {
        ...state,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs,
      };
      if (res.statusCode >= 500) logger.error(line, "request failed");
      else if (res.statusCode >= 400) logger.warn(line, "request refused");
      else logger.info(line, "request");
    });
    next();
  };
}
