import { keyNames } from "@skyhook/queue-kit";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { devClient, startIngress, startWorkerWithOps } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Through the real ingress and worker: events carrying a field their schema does not declare,
 * and an operation the contracts do not know, show in `skyhook drift` and its metric.
 */
const redis = connect();
const prefix = uniquePrefix("drift");
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

type DriftJson = {
  rows: Array<{
    kind: string;
    eventType: string;
    operation: string;
    subject: string;
    count: number;
    firstSeen?: string;
    lastSeen?: string;
    exampleDeliveryId?: string;
  }>;
  pairs: Array<{ eventType: string; operation: string; sampled: number; paths: number }>;
};

/** A BOOKING_CREATED whose flights carry a seat map, which the contracts do not model. */
function withSeatMap(pnrId: string) {
  const payload = pnrPayload({ pnrId });
  for (const leg of payload.airPnr.legs)
    for (const flight of leg.flights) Object.assign(flight, { seatMap: { rows: 30 } });
  return envelope("BOOKING_CREATED", payload);
}

describe("skyhook drift", () => {
  it("reports a field the schema does not declare, with its count, first and last seen and an example, and an unknown operation", async () => {
    const ingress = await startIngress({ QUEUE_PREFIX: prefix });
    closers.push(() => ingress.close());
    const worker = await startWorkerWithOps({
      QUEUE_PREFIX: prefix,
      WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED",
      DRIFT_SAMPLE_RATE: "1",
      OPS_PORT: "0",
    });
    closers.push(() => worker.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const deliver = async (body: unknown, id: string) => {
      const response = await client.deliver(body, { "x-spotnana-webhook-id": id });
      expect((await jsonOf(response, DeliveryAnswer)).status).toBe("accepted");
    };

    const sent = ["msg-seat-0", "msg-seat-1", "msg-seat-2"];
    for (const [i, id] of sent.entries()) await deliver(withSeatMap(`PNR-SEAT${i}`), id);
    for (const id of ["msg-upgrade-0", "msg-upgrade-1"])
      await deliver(envelope("SEAT_UPGRADED", pnrPayload()), id);
    const sampled = keyNames(prefix).drift("PNR_V3", "BOOKING_CREATED");
    await waitFor("three events sampled", async () =>
      (await redis.hget(sampled, "sk-sampled")) === "3" ? true : undefined,
    );

    const run = await runCliInProcess(["drift", "--json"], { QUEUE_PREFIX: prefix });
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out) as DriftJson;
    const seatMap = report.rows.find((r) => r.subject === "airPnr.legs[].flights[].seatMap");
    expect(seatMap).toMatchObject({
      kind: "field",
      eventType: "PNR_V3",
      operation: "BOOKING_CREATED",
      count: 3,
    });
    expect(sent).toContain(seatMap?.exampleDeliveryId);
    const first = Date.parse(seatMap?.firstSeen ?? "");
    const last = Date.parse(seatMap?.lastSeen ?? "");
    expect(first).toBeLessThanOrEqual(last);
    expect(Date.now() - first).toBeLessThan(60_000);
    expect(report.pairs).toEqual([
      expect.objectContaining({ eventType: "PNR_V3", operation: "BOOKING_CREATED", sampled: 3 }),
    ]);

    const upgrade = report.rows.find((r) => r.operation === "SEAT_UPGRADED");
    expect(upgrade).toMatchObject({ kind: "operation", subject: "SEAT_UPGRADED", count: 2 });
    expect(["msg-upgrade-0", "msg-upgrade-1"]).toContain(upgrade?.exampleDeliveryId);
    expect(Date.parse(upgrade?.firstSeen ?? "")).toBeLessThanOrEqual(
      Date.parse(upgrade?.lastSeen ?? ""),
    );

    const text = await runCliInProcess(["drift"], { QUEUE_PREFIX: prefix });
    expect(text.out).toMatch(/event type\s+operation\s+field or value\s+count\s+first seen/);
    expect(text.out).toMatch(
      /PNR_V3\s+BOOKING_CREATED\s+airPnr\.legs\[\]\.flights\[\]\.seatMap\s+3/,
    );
    expect(text.out).toContain("operation SEAT_UPGRADED (not in the contracts)");

    const metrics = await scrape(worker.opsUrl);
    const fields = report.rows.filter((r) => r.kind === "field").length;
    expect(
      metrics.value("skyhook_contract_drift_fields", {
        event_type: "PNR_V3",
        operation: "BOOKING_CREATED",
      }),
    ).toBe(fields);

    // Once the schema declares the field, the pair is cleared and counted afresh.
    const clear = await runCliInProcess(["drift", "--clear", "pnr_v3/booking_created"], {
      QUEUE_PREFIX: prefix,
    });
    expect(clear.out).toBe("Forgot the contract drift recorded for PNR_V3/BOOKING_CREATED.\n");
    const after = JSON.parse(
      (await runCliInProcess(["drift", "--json"], { QUEUE_PREFIX: prefix })).out,
    ) as DriftJson;
    expect(after.rows.map((r) => r.operation)).toEqual(["SEAT_UPGRADED"]);
    const gauge = await scrape(worker.opsUrl);
    expect(
      gauge.value("skyhook_contract_drift_fields", {
        event_type: "PNR_V3",
        operation: "BOOKING_CREATED",
      }),
    ).toBe(0);
  });
});
