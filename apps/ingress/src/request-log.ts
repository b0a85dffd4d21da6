import { randomUUID } from "node:crypto";
import type { DeliveryOutcomeName, OutcomeSink, TokenOutcome } from "@skyhook/queue-kit";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { type ErrorCode, errorCatalog, isAlarming } from "./errors.ts";
import type { RequestState } from "./request-state.ts";

const safeHeaderId = /^[A-Za-z0-9._-]{1,128}$/;

/** A refused request's path is the sender's choice: logged whole only up to this length. */
const loggedPathLength = 200;
const loggedPath = (path: string) =>
  path.length <= loggedPathLength ? path : `${path.slice(0, loggedPathLength)}…`;

function headerId(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && safeHeaderId.test(value) ? value : undefined;
}

/** How a finished delivery request ended: what the route decided, else what its refusal counts as. */
export function deliveryOutcomeOf(state: RequestState): DeliveryOutcomeName {
  if (state.outcome !== undefined) return state.outcome;
  const code = state.errorCode as ErrorCode | undefined;
  return code === undefined ? "invalid" : errorCatalog[code].outcome;
}

function tokenOutcomeOf(status: number): TokenOutcome["outcome"] {
  if (status === 200) return "issued";
  if (status === 401) return "refused";
  if (status === 429) return "rate_limited";
  return "invalid";
}

/**
 * One structured line per request, written when the response is finished, and the request's
 * outcome recorded once in the sink. Spotnana support asks for the X-B3 trace and span ids, so
 * they are on every line.
 */
export function requestLog(logger: Logger, outcomes: OutcomeSink) {
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
      if (state.endpoint === "delivery") {
        state.outcome = deliveryOutcomeOf(state);
        outcomes.record({
          kind: "delivery",
          outcome: state.outcome,
          subscription: state.subscription ?? "-",
          reason: state.filtered ?? state.errorCode ?? "-",
          eventType: state.eventType,
          operation: state.operation,
          queue: state.queue,
          enqueueSec: state.enqueueSec,
        });
      } else if (state.endpoint === "token") {
        outcomes.record({ kind: "token", outcome: tokenOutcomeOf(res.statusCode) });
      }
      const line = {
        ...state,
        method: req.method,
        path: loggedPath(req.path),
        status: res.statusCode,
        durationMs,
      };
      // A 503 that sheds load or asks to come back later is the sender's to retry, not ours to fix.
      const code = state.errorCode as ErrorCode | undefined;
      if (res.statusCode >= 500 && (code === undefined || isAlarming(code)))
        logger.error(line, "request failed");
      else if (res.statusCode >= 400) logger.warn(line, "request refused");
      else logger.info(line, "request");
    });
    next();
  };
}
