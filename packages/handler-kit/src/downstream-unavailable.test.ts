import { describe, expect, it } from "vitest";
import { DownstreamUnavailable, retryAfterMsOf } from "./downstream-unavailable.ts";

describe("retryAfterMsOf", () => {
  const now = Date.parse("2026-12-07T10:00:00Z");
  it("reads delay-seconds and HTTP dates", () => {
    expect(retryAfterMsOf("30", now)).toBe(30_000);
    expect(retryAfterMsOf(" 0 ", now)).toBe(0);
    expect(retryAfterMsOf("Mon, 07 Dec 2026 10:02:00 GMT", now)).toBe(120_000);
  });

  it("gives undefined for what it cannot use", () => {
    for (const header of [
      null,
      undefined,
      "",
      "soon",
      "-5",
      "1.5",
      "Mon, 07 Dec 2026 09:00:00 GMT",
    ])
      expect(retryAfterMsOf(header, now), String(header)).toBeUndefined();
  });
});

describe("DownstreamUnavailable", () => {
  it("carries the downstream's delay and is told apart by its class", () => {
    const err = new DownstreamUnavailable("answered 503", { retryAfterMs: 30_000 });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("DownstreamUnavailable");
    expect(err.retryAfterMs).toBe(30_000);
    expect(new DownstreamUnavailable("refused").retryAfterMs).toBeUndefined();
  });
});
