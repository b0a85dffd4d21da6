import type { Segment } from "@skyhook/booking-store";
import { type HandlerLogger, PermanentError } from "@skyhook/handler-kit";

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

/**
 * Delivers notices to an HTTP endpoint. `Idempotency-Key` lets the receiver drop the repeat
 * that at-least-once delivery can produce. 408, 429 and 5xx are worth retrying; any other
 * non-2xx means the receiver refuses this notice, so retrying cannot help.
 */
export function createHttpNotifier(options: { url: string; timeoutMs: number }): Notifier {
  return {
    async send(notice, { idempotencyKey, signal, traceHeaders }) {
      // Ours are set last, so a trace header can never replace the body type or the key.
      const headers = new Headers(traceHeaders);
      headers.set("content-type", "application/json");
      headers.set("idempotency-key", idempotencyKey);
      const response = await fetch(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify(notice),
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      if (response.ok) {
        // Not awaited: the caller records the notice as sent next, and every await before that
        // widens the window in which a crash makes it send the notice again.
        void response.body?.cancel().catch(() => undefined);
        return;
      }
      await response.body?.cancel();
      const message = `notification endpoint answered ${response.status}`;
      const retryable =
        response.status === 408 || response.status === 429 || response.status >= 500;
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
