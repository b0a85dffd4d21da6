/**
 * What a request learned on its way through, for the one log line written when it finishes.
 * Identifiers only: no tokens, secrets or payload content.
 */
export type RequestState = {
  requestId: string;
  traceId: string | undefined;
  spanId: string | undefined;
  subscription?: string | undefined;
  authMode?: "oauth" | "hmac";
  /** Why an authenticated event was not enqueued, when a subscription filter dropped it. */
  filtered?: string;
  eventType?: string;
  operation?: string;
  deliveryId?: string;
  queue?: string;
  jobId?: string;
  errorCode?: string;
};

/** Set by the request-log middleware, which runs before every route. */
export function stateOf(res: { locals: Record<string, unknown> }): RequestState {
  return res.locals.state as RequestState;
}
