/**
 * Thrown by a handler when the system it calls is unavailable — it answered 429 or 503, or
 * could not be reached — rather than wrong about this event. The worker then holds every job
 * of the operation (not only this one) until `retryAfterMs` has passed, without spending an
 * attempt, and opens the operation's circuit breaker after repeated ones: retrying each job on
 * its own schedule would only knock on a door that said when to come back.
 */
export class DownstreamUnavailable extends Error {
  override name = "DownstreamUnavailable";
  /** How long the downstream asked to be left alone (`Retry-After`); undefined: the worker's default. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: ErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined
 * when absent, unreadable, or in the past.
 */
export function retryAfterMsOf(
  header: string | null | undefined,
  nowMs: number,
): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) || at <= nowMs ? undefined : at - nowMs;
}
