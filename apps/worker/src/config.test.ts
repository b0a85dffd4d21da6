import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookingCreated, createCatalog, defaultCatalog } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { configErrorOf } from "../../../test/support/config-error.ts";
import { assign } from "./assign.ts";
import { loadWorkerConfig } from "./config.ts";
import { installedHandlers } from "./handlers.ts";

describe("loadWorkerConfig", () => {
  it("consumes every installed operation when WORKER_OPERATIONS is unset", () => {
    expect(loadWorkerConfig({}).operations).toBeUndefined();
  });

  it.each(["all", "ALL", " all "])("reads WORKER_OPERATIONS=%j as every operation", (value) => {
    expect(loadWorkerConfig({ WORKER_OPERATIONS: value }).operations).toBeUndefined();
  });

  it("parses one EVENT_TYPE/OPERATION pair", () => {
    expect(loadWorkerConfig({ WORKER_OPERATIONS: "PNR_V3/FLIGHT_CANCELLED" }).operations).toEqual([
      { eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" },
    ]);
  });

  it("parses a comma-separated list, trimming and upper-casing each pair", () => {
    const { operations } = loadWorkerConfig({
      WORKER_OPERATIONS: "pnr_v3/flight_cancelled, PNR_V3/BOOKING_CREATED",
    });
    expect(operations).toEqual([
      { eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" },
      { eventType: "PNR_V3", operation: "BOOKING_CREATED" },
    ]);
  });

  it("normalises the spellings the ingress normalises, and drops repeated pairs", () => {
    const { operations } = loadWorkerConfig({
      WORKER_OPERATIONS: "PNR_V3/FLIGHT_CANCELED,PNR_V3/FLIGHT_CANCELLED,pnr_v3/flight_cancelled",
    });
    expect(operations).toEqual([{ eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" }]);
  });

  it.each(["nonsense", "PNR_V3/", "/FLIGHT_CANCELLED", "A/B/C", "PNR_V3/FLIGHT_CANCELLED,"])(
    "refuses WORKER_OPERATIONS=%j, naming WORKER_OPERATIONS",
    (value) => {
      const error = configErrorOf(() => loadWorkerConfig({ WORKER_OPERATIONS: value }));
      expect(error.problems).toEqual([expect.stringMatching(/^WORKER_OPERATIONS:/)]);
    },
  );

  it("refuses a bad NOTIFY_URL, naming it", () => {
    const error = configErrorOf(() => loadWorkerConfig({ NOTIFY_URL: "ftp://example.com" }));
    expect(error.problems).toEqual([expect.stringMatching(/^NOTIFY_URL:/)]);
  });

  it("refuses a NOTIFY_URL carrying credentials, saying how to pass them, without repeating them", () => {
    const error = configErrorOf(() =>
      loadWorkerConfig({ NOTIFY_URL: "https://notices:s3cr3t-pass@notify.example.com/hook" }),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^NOTIFY_URL: must not carry credentials .*NOTIFY_AUTHORIZATION/),
    ]);
    expect(error.message).not.toContain("s3cr3t-pass");
    expect(() => loadWorkerConfig({ NOTIFY_URL: "https://notices@notify.example.com/" })).toThrow(
      /NOTIFY_URL: must not carry credentials/,
    );
  });

  it("takes the notices' Authorization header from NOTIFY_AUTHORIZATION or its file", () => {
    const url = "https://notify.example.com/hook";
    expect(
      loadWorkerConfig({ NOTIFY_URL: url, NOTIFY_AUTHORIZATION: "Bearer abc" }).notifyAuthorization,
    ).toBe("Bearer abc");
    const dir = mkdtempSync(join(tmpdir(), "skyhook-worker-config-"));
    try {
      const file = join(dir, "authorization");
      writeFileSync(file, "Basic bm90aWNlczpwYXNz\n");
      const config = loadWorkerConfig({ NOTIFY_URL: url, NOTIFY_AUTHORIZATION_FILE: file });
      expect(config.notifyAuthorization).toBe("Basic bm90aWNlczpwYXNz");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadWorkerConfig({}).notifyAuthorization).toBeUndefined();
  });

  it("refuses NOTIFY_AUTHORIZATION without NOTIFY_URL, or spanning lines", () => {
    expect(
      configErrorOf(() => loadWorkerConfig({ NOTIFY_AUTHORIZATION: "Bearer abc" })).problems,
    ).toEqual(["NOTIFY_AUTHORIZATION: set without NOTIFY_URL: no notice would carry it"]);
    const twoLines = configErrorOf(() =>
      loadWorkerConfig({
        NOTIFY_URL: "https://n.example.com/",
        NOTIFY_AUTHORIZATION: "Bearer a\nX: b",
      }),
    );
    expect(twoLines.problems).toEqual([
      expect.stringMatching(/^NOTIFY_AUTHORIZATION: must be one line/),
    ]);
  });

  it("serves ops on 0.0.0.0:9465 (the ingress has 9464) and calls a queue stuck after 30 s, by default", () => {
    expect(loadWorkerConfig({})).toMatchObject({
      ops: { port: 9465, host: "0.0.0.0" },
      stallAfterMs: 30_000,
    });
    expect(loadWorkerConfig({ OPS_PORT: "0", WORKER_STALL_AFTER_MS: "2000" })).toMatchObject({
      ops: { port: 0 },
      stallAfterMs: 2_000,
    });
  });

  it.each([
    ["OPS_PORT", "http"],
    ["OPS_PORT", "65536"],
    ["WORKER_STALL_AFTER_MS", "soon"],
    ["WORKER_STALL_AFTER_MS", "10"],
    ["DRIFT_SAMPLE_RATE", "1.5"],
    ["DRIFT_SAMPLE_RATE", "-0.1"],
    ["DRIFT_SAMPLE_RATE", "often"],
  ])("refuses %s=%j, naming it", (name, value) => {
    const error = configErrorOf(() => loadWorkerConfig({ [name]: value }));
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${name}:`))]);
  });

  it("applies the documented defaults", () => {
    expect(loadWorkerConfig({})).toMatchObject({
      concurrency: 10,
      notifyUrl: undefined,
      effectTtlSec: 14 * 24 * 3600,
      queuePrefix: "skyhook",
      lockDurationMs: 30_000,
      stalledIntervalMs: 5_000,
      driftSampleRate: 0.1,
    });
  });

  it.each([
    ["0", 0],
    ["1", 1],
    ["0.25", 0.25],
  ])("reads DRIFT_SAMPLE_RATE=%j as a share of events (0 turns sampling off)", (value, rate) => {
    expect(loadWorkerConfig({ DRIFT_SAMPLE_RATE: value }).driftSampleRate).toBe(rate);
  });

  it("refuses a STALLED_INTERVAL_MS longer than LOCK_DURATION_MS, naming it, and takes an equal one", () => {
    const error = configErrorOf(() =>
      loadWorkerConfig({ LOCK_DURATION_MS: "3000", STALLED_INTERVAL_MS: "3001" }),
    );
    expect(error.problems).toEqual([expect.stringMatching(/^STALLED_INTERVAL_MS:/)]);
    expect(
      loadWorkerConfig({ LOCK_DURATION_MS: "3000", STALLED_INTERVAL_MS: "3000" }),
    ).toMatchObject({ lockDurationMs: 3_000, stalledIntervalMs: 3_000 });
  });
});

describe("assign", () => {
  it("pairs every installed handler with its spec when no operations are selected", () => {
    const assignments = assign(defaultCatalog, installedHandlers, undefined);
    expect(assignments.map((a) => a.handler)).toEqual(installedHandlers);
    expect(assignments.map((a) => `${a.spec.eventType}/${a.spec.operation}`)).toEqual(
      expect.arrayContaining(["PNR_V3/BOOKING_CREATED", "PNR_V3/FLIGHT_CANCELLED"]),
    );
    for (const { spec, handler } of assignments) {
      expect([handler.eventType, handler.operation]).toEqual([spec.eventType, spec.operation]);
    }
  });

  it("keeps only the selected operations", () => {
    const assignments = assign(defaultCatalog, installedHandlers, [
      { eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" },
    ]);
    expect(assignments.map((a) => a.handler.operation)).toEqual(["FLIGHT_CANCELLED"]);
  });

  it("throws ConfigError naming an operation that has no installed handler", () => {
    const error = configErrorOf(() =>
      assign(defaultCatalog, installedHandlers, [
        { eventType: "PNR_V3", operation: "FLIGHT_CANCELLED" },
        { eventType: "PNR_V3", operation: "NO_SUCH_OPERATION" },
      ]),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^WORKER_OPERATIONS:.*PNR_V3\/NO_SUCH_OPERATION/),
    ]);
  });

  it("throws ConfigError for an installed handler whose operation the catalog lacks", () => {
    const error = configErrorOf(() =>
      assign(createCatalog([bookingCreated]), installedHandlers, undefined),
    );
    expect(error.message).toContain("PNR_V3/FLIGHT_CANCELLED");
  });
});
