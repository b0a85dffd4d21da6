import type { Segment } from "@skyhook/booking-store";
import {
  DownstreamUnavailable,
  type HandlerLogger,
  PermanentError,
  retryAfterMsOf,
} from "@skyhook/handler-kit";

/** What the affected travelers' downstream system is told. Ids only: no personal data. */
export type CancellationNotice = {
  type: "FLIGHT_CANCELLED";
  pnrId: string;
  tripId: string | undefined;
  organizationId: string | undefined;
  travelerUserIds: string[];
  cancelledSegments: Segment[];
};

export type SendOptions = {
  idempotencyKey: string;
  signal: AbortSignal;
  /** Trace headers to pass on (`traceparent`, `X-B3-TraceId`, …), from the handler's context. */
  traceHeaders?: Record<string, string> | undefined;
};

export type Notifier = {
  send(notice: CancellationNotice, options: SendOptions): Promise<void>;
};

export class DownstreamError extends Error {
  override name = "DownstreamError";
}

/** The endpoint as an error may name it: scheme, host and path, never userinfo or query. */
function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return "<url>";
  }
}

/**
 * One line for a failed request and every cause beneath it, with each URL cut to its
 * scheme, host and path and the endpoint's userinfo and query removed wherever they appear:
 * the line goes to job logs, dead letters, the dashboard and spans.
 */
function describeFailure(err: unknown, endpoint: URL | undefined): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && parts.length < 8) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const code = "code" in current && typeof current.code === "string" ? ` (${current.code})` : "";
    parts.push(`${current.name}: ${current.message.split("\n", 1)[0] ?? ""}${code}`);
    current = current.cause;
  }
  let line = parts.join(" ← ").replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, displayUrl);
  for (const secret of [endpoint?.username, endpoint?.password, endpoint?.search.slice(1)]) {
    if (secret !== undefined && secret !== "") line = line.replaceAll(secret, "…");
  }
  return line;
}

const isName = (err: unknown, name: string) => err instanceof Error && err.name === name;

/** Statuses that say the endpoint is down or busy, not that this notice is wrong. */
const unavailableStatuses = new Set([429, 502, 503, 504]);

/**
 * Delivers notices to an HTTP endpoint. `Idempotency-Key` lets the receiver drop the repeat
 * that at-least-once delivery can produce. An endpoint that is down or busy (429, 502, 503,
 * 504, refused or timed-out connections) raises `DownstreamUnavailable`, with its
 * `Retry-After`: the worker holds the operation instead of spending attempts. 408 and other
 * 5xx are worth retrying; any other non-2xx means the receiver refuses this notice, so
 * retrying cannot help. `authorization`,
 * when given, is sent as the `Authorization` header: credentials never travel in the URL,
 * and no error this notifier throws names the URL's userinfo or query.
 */
export function createHttpNotifier(options: {
  url: string;
  timeoutMs: number;
  authorization?: string | undefined;
}): Notifier {
  const endpoint = URL.canParse(options.url) ? new URL(options.url) : undefined;
  const shownUrl = displayUrl(options.url);
  return {
    async send(notice, { idempotencyKey, signal, traceHeaders }) {
      // Ours are set last, so a trace header can never replace the body type, key or credentials.
      const headers = new Headers(traceHeaders);
      headers.set("content-type", "application/json");
      headers.set("idempotency-key", idempotencyKey);
      if (options.authorization !== undefined) headers.set("authorization", options.authorization);
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: "POST",
          headers,
          body: JSON.stringify(notice),
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        });
      } catch (err) {
        // A shutdown: the worker tells it by the name and puts the job back as it was.
        if (isName(err, "AbortError")) throw err;
        if (isName(err, "TimeoutError"))
          throw new DownstreamUnavailable(
            `notification request to ${shownUrl} got no answer within ${options.timeoutMs} ms`,
          );
        throw new DownstreamUnavailable(
          `notification request to ${shownUrl} failed: ${describeFailure(err, endpoint)}`,
        );
      }
      if (response.ok) {
        // Not awaited: the caller records the notice as sent next, and every await before that
        // widens the window in which a crash makes it send the notice again.
        void response.body?.cancel().catch(() => undefined);
        return;
      }
      await response.body?.cancel();
      const message = `notification endpoint answered ${response.status}`;
      if (unavailableStatuses.has(response.status)) {
        const retryAfterMs = retryAfterMsOf(response.headers.get("retry-after"), Date.now());
        throw new DownstreamUnavailable(message, { retryAfterMs });
      }
      const retryable = response.status === 408 || response.status >= 500;
      throw retryable ? new DownstreamError(message) : new PermanentError(message);
    },
  };
}

/** Used when no endpoint is configured: the notice is logged by its ids and counts. */
export function createLogNotifier(logger: HandlerLogger): Notifier {
  return {
    async send(notice, { idempotencyKey }) {
      logger.info(
        {
          notice: notice.type,
          pnrId: notice.pnrId,
          idempotencyKey,
          travelers: notice.travelerUserIds.length,
          cancelledSegments: notice.cancelledSegments.length,
        },
        "cancellation notice (no NOTIFY_URL configured)",
      );
    },
  };
}
