import type { DeliveryOutcomeName } from "@skyhook/queue-kit";

type CatalogRow = {
  status: number;
  /** What a refused delivery counts as in metrics and the ledger's outcome log. */
  outcome: DeliveryOutcomeName;
  /** Logged at error level (someone must act) rather than warn (the sender's problem). */
  alarming?: true;
};

/**
 * The closed set of errors the ingress answers with, each with everything that follows from
 * it. Every non-200 makes Spotnana retry, so each code says plainly whether retrying can help
 * (those answered with Retry-After: 429 and 503) or not (the rest).
 */
export const errorCatalog = {
  unauthorized: { status: 401, outcome: "unauthorized" },
  too_many_auth_failures: { status: 429, outcome: "rate_limited" },
  bad_request: { status: 400, outcome: "invalid" },
  malformed_json: { status: 400, outcome: "invalid" },
  invalid_envelope: { status: 400, outcome: "invalid" },
  payload_too_large: { status: 413, outcome: "too_large" },
  header_too_large: { status: 431, outcome: "too_large" },
  request_timeout: { status: 408, outcome: "invalid" },
  unsupported_encoding: { status: 415, outcome: "invalid" },
  unsupported_transfer_encoding: { status: 501, outcome: "invalid" },
  not_found: { status: 404, outcome: "invalid" },
  busy: { status: 503, outcome: "unavailable" },
  /** Shed before Redis fills (memory near `maxmemory`, or the queue's backlog over budget). */
  overloaded: { status: 503, outcome: "shed" },
  storage_unavailable: { status: 503, outcome: "unavailable", alarming: true },
  internal: { status: 500, outcome: "unavailable", alarming: true },
} as const satisfies Record<string, CatalogRow>;
export type ErrorCode = keyof typeof errorCatalog;

export type IngressErrorOptions = ErrorOptions & {
  /** `WWW-Authenticate` for a 401: which scheme the client should use. */
  challenge?: string;
  /** `Retry-After` in seconds, for the refusals a retry can get past (429, 503). */
  retryAfterSec?: number;
  /**
   * Answer with `Connection: close`: the rest of the body is not read, so nothing else on the
   * connection could be framed.
   */
  closeConnection?: boolean;
};

export class IngressError extends Error {
  override name = "IngressError";
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly challenge: string | undefined;
  readonly retryAfterSec: number | undefined;
  readonly closeConnection: boolean;
  constructor(code: ErrorCode, message: string, details?: unknown, options?: IngressErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.status = errorCatalog[code].status;
    this.challenge = options?.challenge;
    this.retryAfterSec = options?.retryAfterSec;
    this.closeConnection = options?.closeConnection === true;
  }
}

/** Whether an error of this code means someone must act (logged as an error). */
export const isAlarming = (code: ErrorCode): boolean => {
  const row: CatalogRow = errorCatalog[code];
  return row.alarming === true;
};

/**
 * Errors raised by Express or body-parser for what the client sent carry an HTTP 4xx
 * `status` (and body-parser's a `type`): a URL that does not decode, a body that does not
 * inflate. They are the client's problem, never a 500.
 */
export function fromClientError(err: unknown): IngressError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const type = "type" in err ? err.type : undefined;
  switch (type) {
    case "entity.too.large":
      return new IngressError("payload_too_large", "request body exceeds the configured limit");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new IngressError("unsupported_encoding", "unsupported Content-Encoding or charset");
    case "entity.parse.failed":
      return new IngressError("malformed_json", "request body is not valid JSON");
    case "request.aborted":
    case "request.size.invalid":
      return new IngressError("malformed_json", "request body ended early");
  }
  const status = "status" in err ? err.status : "statusCode" in err ? err.statusCode : undefined;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new IngressError("bad_request", "the request could not be read (bad encoding or URL)");
  }
  return undefined;
}

/** The one error body every refusal carries, from the error middleware or the raw socket. */
export function errorBodyOf(error: IngressError, requestId: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}
