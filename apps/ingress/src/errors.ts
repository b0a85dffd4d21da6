/**
 * The closed set of errors the ingress answers with. Every non-200 makes Spotnana retry, so
 * each code says plainly whether retrying can help (storage_unavailable, overloaded) or not
 * (the rest).
 */
export const errorCatalog = {
  unauthorized: 401,
  too_many_auth_failures: 429,
  bad_request: 400,
  malformed_json: 400,
  invalid_envelope: 400,
  payload_too_large: 413,
  header_too_large: 431,
  request_timeout: 408,
  unsupported_encoding: 415,
  not_found: 404,
  storage_unavailable: 503,
  /** Shed before Redis fills (memory near `maxmemory`, or the queue's backlog over budget). */
  overloaded: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof errorCatalog;

export class IngressError extends Error {
  override name = "IngressError";
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Sent as `Retry-After` when set: when a retry can help, and how soon. */
  readonly retryAfterSec: number | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    details?: unknown,
    options?: ErrorOptions & { retryAfterSec?: number },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.status = errorCatalog[code];
    this.retryAfterSec = options?.retryAfterSec;
  }
}

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
