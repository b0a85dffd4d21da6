import type { DeliveryOutcomeName } from "@skyhook/queue-kit";

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
  /** Which endpoint served it, so its outcome is counted as a delivery or a token request. */
  endpoint?: "delivery" | "token";
  /** How an authenticated, valid delivery ended (accepted, duplicate, filtered). */
  outcome?: DeliveryOutcomeName;
  /** Why a subscription filter dropped the event. */
  filtered?: string;
  enqueueSec?: number;
  /** Whether a copy of a refused, authenticated delivery was kept in `{rejected}`. */
  rejectedKept?: boolean;
  eventType?: string;
  operation?: string;
  deliveryId?: string;
  queue?: string;
  jobId?: string;
  errorCode?: string;
  /** Why it was refused, as answered (our own words: never a secret or a payload). */
  errorMessage?: string;
};

/** Set by the request-log middleware, which runs before every route. */
export function stateOf(res: { locals: Record<string, unknown> }): RequestState {
  return res.locals.state as RequestState;
}
