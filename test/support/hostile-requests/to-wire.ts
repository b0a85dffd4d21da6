import type { FuzzTarget } from "../fuzz-target.ts";
import type { WireRequest } from "../raw-http.ts";
import { authorizationHeader } from "./authorization-header.ts";
import { ownSubscription, type Plan, type SendContext } from "./plan.ts";
import { signatureHeaders } from "./signature-headers.ts";

function pathOf(plan: Plan, target: FuzzTarget): string {
  const own = ownSubscription(plan);
  switch (plan.path.kind) {
    case "shared":
      return "/webhooks/spotnana";
    case "own":
      return own === undefined ? "/webhooks/spotnana" : `/webhooks/spotnana/${target[own].name}`;
    case "other": {
      const other = (["hmac", "oauth", "strict"] as const).find((k) => k !== own) ?? "oauth";
      return `/webhooks/spotnana/${target[other].name}`;
    }
    case "literal":
      return plan.path.path;
  }
}

/** The request as it leaves, with a fresh token, fresh signatures and the current time. */
export function toWire(plan: Plan, ctx: SendContext): WireRequest {
  const headers: Array<[string, string]> = [];
  if (plan.contentType !== undefined) headers.push(["content-type", plan.contentType]);
  if (plan.encoding.header !== undefined) headers.push(["content-encoding", plan.encoding.header]);
  if (plan.authorization !== undefined)
    headers.push(["authorization", authorizationHeader(plan.authorization, ctx)]);
  if (plan.signature !== undefined)
    headers.push(...signatureHeaders(plan.signature, plan.plain, ctx));
  if (plan.apiVersion !== undefined) headers.push(["API-Version", plan.apiVersion]);
  headers.push(...plan.extraHeaders);
  return { method: plan.method, path: pathOf(plan, ctx.target), headers, body: plan.body };
}
