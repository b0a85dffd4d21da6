import { queueNamesFor, rejectedQueueName, unroutedQueueNames } from "@skyhook/contracts";
import { deadLetterJobId, keyNames } from "@skyhook/queue-kit";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { QueueKeys } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { devClient, startIngress, startWorker } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Nothing consumes the kept queues (dead letters, the catch-all, rejected copies), so only the
 * ingress's sweeper keeps them within their bounds. What it removes is counted — the ledger's
 * `trimmed`, `skyhook_kept_trimmed_total`, the audit trail — and `skyhook ledger` balances.
 */
const redis = connect();
const prefixes: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");

type LedgerJson = {
  balanced: boolean;
  queues: Array<{ queue: string; expected: number; deadLettered: number; difference: number }>;
  rows: Array<{ queue: string; accepted: number; trimmed: number }>;
};

async function ledgerOf(prefix: string): Promise<LedgerJson> {
  const run = await runCliInProcess(["ledger", "--json", "--settle", "5"], {
    QUEUE_PREFIX: prefix,
  });
  expect(run.code, `${run.out}\n${run.err}`).toBe(0);
  return JSON.parse(run.out) as LedgerJson;
}

const held = (prefix: string, queue: string) =>
  redis.llen(new QueueKeys(prefix).toKey(queue, "wait"));

describe("the kept queues' bounds", () => {
  it("trims dead letters beyond KEPT_MAX_COUNT oldest first, counts them, and the ledger balances", async () => {
    const prefix = uniquePrefix("keptdl");
    prefixes.push(prefix);
    const ingress = await startIngress({
      QUEUE_PREFIX: prefix,
      KEPT_MAX_COUNT: "3",
      KEPT_SWEEP_MS: "200",
    });
    closers.push(() => ingress.close());
    const worker = startWorker({
      QUEUE_PREFIX: prefix,
      WORKER_OPERATIONS: "PNR_V3/FLIGHT_CANCELLED",
    });
    closers.push(() => worker.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });

    // A FLIGHT_CANCELLED that cancels nothing is dead-lettered at once (a permanent error).
    for (let i = 0; i < 6; i++) {
      const response = await client.deliver(
        envelope("FLIGHT_CANCELLED", pnrPayload({ pnrId: `PNR-D${i}` })),
      );
      expect(response.status).toBe(200);
      const { jobId } = await jsonOf(response, DeliveryAnswer);
      // One at a time, so the dead letters are kept in the order sent.
      const letterId = deadLetterJobId(jobId);
      await waitFor(`${letterId} kept`, async () =>
        (await redis.exists(keyNames(prefix).job(cancelled.deadLetter, letterId))) === 1
          ? true
          : undefined,
      );
    }
    await waitFor("three dead letters left", async () =>
      (await held(prefix, cancelled.deadLetter)) === 3 ? true : undefined,
    );

    const kept = await runCliInProcess(["inspect", "--location", "dead-letter", "--json"], {
      QUEUE_PREFIX: prefix,
    });
    const { events } = JSON.parse(kept.out) as { events: Array<{ pnrId: string }> };
    expect(events.map((k) => k.pnrId).sort()).toEqual(["PNR-D3", "PNR-D4", "PNR-D5"]);

    const report = await ledgerOf(prefix);
    expect(report.balanced).toBe(true);
    const queue = report.queues.find((q) => q.queue === cancelled.queue);
    expect(queue).toMatchObject({ expected: 3, deadLettered: 3, difference: 0 });
    const row = report.rows.find((r) => r.queue === cancelled.queue);
    expect(row).toMatchObject({ accepted: 6, trimmed: 3 });

    const metrics = await scrape(ingress.opsUrl);
    expect(
      metrics.value("skyhook_kept_trimmed_total", {
        location: "dead-letter",
        queue: "pnr-v3.flight-cancelled.dead-letter",
        reason: "count",
      }),
    ).toBe(3);
    const audit = await runCliInProcess(["audit", "--json"], { QUEUE_PREFIX: prefix });
    const trims = (JSON.parse(audit.out) as Array<{ action: string; changed: number }>).filter(
      (e) => e.action === "trim",
    );
    expect(trims.reduce((n, e) => n + e.changed, 0)).toBe(3);
  });

  it("trims catch-all events older than CATCH_ALL_MAX_AGE_SEC and rejected copies beyond REJECTED_MAX_COUNT", async () => {
    const prefix = uniquePrefix("keptca");
    prefixes.push(prefix);
    const ingress = await startIngress({
      QUEUE_PREFIX: prefix,
      CATCH_ALL_MAX_AGE_SEC: "1",
      REJECTED_MAX_COUNT: "2",
      KEPT_SWEEP_MS: "200",
    });
    closers.push(() => ingress.close());
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    for (let i = 0; i < 2; i++) {
      const response = await client.deliver(envelope("TICKET_VOIDED", pnrPayload()));
      expect(response.status).toBe(200);
    }
    for (let i = 0; i < 4; i++) {
      const response = await client.deliver({ event_type: "PNR_V3", attempt: i });
      expect(response.status).toBe(400);
    }

    await waitFor("the catch-all emptied by age", async () =>
      (await held(prefix, unroutedQueueNames.queue)) === 0 ? true : undefined,
    );
    await waitFor("two rejected copies left", async () =>
      (await held(prefix, rejectedQueueName)) === 2 ? true : undefined,
    );
    const pairIndex = keyNames(prefix).pairIndex(
      unroutedQueueNames.queue,
      "PNR_V3",
      "TICKET_VOIDED",
    );
    expect(await redis.scard(pairIndex)).toBe(0);

    const report = await ledgerOf(prefix);
    expect(report.balanced).toBe(true);
    expect(report.queues.find((q) => q.queue === unroutedQueueNames.queue)).toMatchObject({
      expected: 0,
      difference: 0,
    });
    expect(report.rows.find((r) => r.queue === unroutedQueueNames.queue)).toMatchObject({
      accepted: 2,
      trimmed: 2,
    });

    const metrics = await scrape(ingress.opsUrl);
    expect(
      metrics.value("skyhook_kept_trimmed_total", {
        location: "catch-all",
        queue: "unrouted",
        reason: "age",
      }),
    ).toBe(2);
    expect(
      metrics.value("skyhook_kept_trimmed_total", {
        location: "rejected",
        queue: "rejected",
        reason: "count",
      }),
    ).toBe(2);
  });
});
