import type { NextFunction, Request, Response } from "express";

/** The ops API's error body: `{ error: { code, message, details? } }`. */
export const problem = (
  res: Response,
  status: number,
  code: string,
  message: string,
  details?: unknown,
) =>
  res
    .status(status)
    .json({ error: { code, message, ...(details === undefined ? {} : { details }) } });

export const operatorOnly = (res: Response) =>
  problem(
    res,
    403,
    "operator_required",
    "this needs the operator role; viewers may read and dry-run a replay",
  );

/** Writes accept only `application/json` bodies, a second line behind the cross-site refusal. */
export const jsonOnly = (req: Request, res: Response, next: NextFunction) => {
  if (!req.is("application/json")) {
    problem(res, 415, "json_required", "send the request as application/json");
    return;
  }
  next();
};
