import { DownstreamUnavailable, PermanentError } from "@skyhook/handler-kit";
import { afterEach, describe, expect, it } from "vitest";
import { type DownstreamAnswer, startDownstream } from "../../../../test/support/downstream.ts";
import { type CancellationNotice, createHttpNotifier, DownstreamError } from "./notifier.ts";

const notice: CancellationNotice = {
  type: "FLIGHT_CANCELLED",
  pnrId: "PNR-1",
  tripId: "TRIP-1",
  organizationId: "ORG-42",
  travelerUserIds: ["USER-1"],
  cancelledSegments: [{ segmentId: "UA100-SFO-JFK", flight: "UA100", origin: "SFO" }],
};

type Downstream = Awaited<ReturnType<typeof startDownstream>>;
const started: Downstream[] = [];

async function downstream(respond?: (n: number) => DownstreamAnswer): Promise<Downstream> {
  const server = await startDownstream(respond);
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const options = (idempotencyKey = "delivery-1") => ({
  idempotencyKey,
  signal: new AbortController().signal,
});

describe("createHttpNotifier", () => {
  it("POSTs the notice as JSON with the idempotency-key header", async () => {
    const receiver = await downstream();
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });

    await notifier.send(notice, options("delivery-42"));

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request?.headers["idempotency-key"]).toBe("delivery-42");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.body).toEqual(notice);
  });

  it("passes trace headers on, but never in place of its own", async () => {
    const receiver = await downstream();
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    await notifier.send(notice, {
      ...options("delivery-7"),
      traceHeaders: {
        traceparent,
        "X-B3-TraceId": "463ac35c9f6413ad",
        "X-B3-SpanId": "a2fb4a1d1a96d312",
        "Idempotency-Key": "forged",
        "Content-Type": "text/plain",
      },
    });

    const [request] = receiver.received;
    expect(request?.headers.traceparent).toBe(traceparent);
    expect(request?.headers["x-b3-traceid"]).toBe("463ac35c9f6413ad");
    expect(request?.headers["x-b3-spanid"]).toBe("a2fb4a1d1a96d312");
    expect(request?.headers["idempotency-key"]).toBe("delivery-7");
    expect(request?.headers["content-type"]).toBe("application/json");
  });

  it.each([200, 202, 204])("resolves when the receiver answers %i", async (status) => {
    const receiver = await downstream(() => status);
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
    await expect(notifier.send(notice, options())).resolves.toBeUndefined();
    expect(receiver.requestCount()).toBe(1);
  });

  it.each([500, 408])(
    "rejects with a retryable DownstreamError when the receiver answers %i",
    async (status) => {
      const receiver = await downstream(() => status);
      const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
      const sent = notifier.send(notice, options());
      await expect(sent).rejects.toBeInstanceOf(DownstreamError);
      await expect(sent).rejects.toThrow(String(status));
    },
  );

  it.each([503, 429, 502, 504])(
    "says the downstream is unavailable, with its Retry-After, when it answers %i",
    async (status) => {
      const receiver = await downstream(() => ({ status, headers: { "retry-after": "30" } }));
      const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
      const sent = notifier.send(notice, options());
      await expect(sent).rejects.toBeInstanceOf(DownstreamUnavailable);
      await expect(sent).rejects.toMatchObject({
        retryAfterMs: 30_000,
        message: `notification endpoint answered ${status}`,
      });
    },
  );

  it("leaves the delay to the worker when an unavailable receiver names none", async () => {
    const receiver = await downstream(() => 503);
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
    await expect(notifier.send(notice, options())).rejects.toMatchObject({
      name: "DownstreamUnavailable",
      retryAfterMs: undefined,
    });
  });

  it.each([400, 404, 422])(
    "rejects with a PermanentError when the receiver answers %i",
    async (status) => {
      const receiver = await downstream(() => status);
      const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 5_000 });
      const sent = notifier.send(notice, options());
      await expect(sent).rejects.toBeInstanceOf(PermanentError);
      await expect(sent).rejects.toThrow(String(status));
    },
  );

  it("gives up after timeoutMs when the receiver never answers", async () => {
    const receiver = await downstream(() => "hang");
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 200 });
    const startedAt = Date.now();

    await expect(notifier.send(notice, options())).rejects.toMatchObject({
      name: "DownstreamUnavailable",
      message: `notification request to ${receiver.url} got no answer within 200 ms`,
    });

    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(receiver.requestCount()).toBe(1);
  });

  it("aborts the request when the caller's signal is aborted", async () => {
    const receiver = await downstream(() => "hang");
    const notifier = createHttpNotifier({ url: receiver.url, timeoutMs: 30_000 });
    const shutdown = new AbortController();

    const sent = notifier.send(notice, { idempotencyKey: "d", signal: shutdown.signal });
    shutdown.abort();

    await expect(sent).rejects.toMatchObject({ name: "AbortError" });
  });

  it("says the downstream is unavailable when nothing listens at the URL", async () => {
    const receiver = await downstream();
    const url = receiver.url;
    await receiver.close();
    started.splice(0);
    const notifier = createHttpNotifier({ url, timeoutMs: 2_000 });
    await expect(notifier.send(notice, options())).rejects.toBeInstanceOf(DownstreamUnavailable);
  });

  it("sends the configured Authorization header, which no trace header replaces", async () => {
    const receiver = await downstream();
    const notifier = createHttpNotifier({
      url: receiver.url,
      timeoutMs: 5_000,
      authorization: "Bearer notify-token-123",
    });
    await notifier.send(notice, {
      ...options("delivery-9"),
      traceHeaders: { Authorization: "Bearer forged" },
    });
    expect(receiver.received[0]?.headers.authorization).toBe("Bearer notify-token-123");
  });

  /** What a job log, dead letter or span may show of an error: stack and every cause. */
  const everythingSaidBy = (err: unknown): string => {
    const said: string[] = [];
    for (let e = err; e instanceof Error; e = e.cause) said.push(e.stack ?? e.message, e.message);
    return said.join("\n");
  };

  it("never names the URL's credentials or query in an error", async () => {
    const receiver = await downstream();
    const { port } = new URL(receiver.url);
    await receiver.close();
    started.splice(0);
    const errors: unknown[] = [];
    for (const url of [
      `http://127.0.0.1:${port}/notify?api_key=q-s3cr3t-query`,
      `http://notify-user:p-s3cr3t-pass@127.0.0.1:${port}/notify?api_key=q-s3cr3t-query`,
    ]) {
      const notifier = createHttpNotifier({ url, timeoutMs: 2_000 });
      errors.push(
        await notifier.send(notice, options()).then(
          () => undefined,
          (err: unknown) => err,
        ),
      );
    }
    const failures = errors.map(everythingSaidBy);
    for (const failure of failures)
      for (const secret of ["s3cr3t", "notify-user", "api_key"])
        expect(failure).not.toContain(secret);
    for (const [i, error] of errors.entries()) {
      expect(error, failures[i]).toBeInstanceOf(DownstreamUnavailable);
      expect(failures[i]).toContain(
        `notification request to http://127.0.0.1:${port}/notify failed`,
      );
    }
    // What the request failed on is still said.
    expect(failures[0]).toContain("ECONNREFUSED");
  });
});
