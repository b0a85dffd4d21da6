import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queueNamesFor, unroutedQueueNames } from "@skyhook/contracts";
import { keyNames } from "@skyhook/queue-kit";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { QueueKeys } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { devClient, startIngress, startWorker, testTokenSigningKey } from "./support/in-process.ts";
import { FilteredAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { scrape } from "./support/prometheus.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * A delivery a subscription filter drops is answered as before and kept, body and all, in its
 * route's `.filtered` queue: a wrong filter loses nothing for good. `skyhook replay --location
 * filtered` sends it on like any kept event, and `skyhook ledger` still balances.
 */
const redis = connect();
const prefixes: string[] = [];
const closers: Array<() => Promise<void>> = [];
const dir = mkdtempSync(join(tmpdir(), "skyhook-filtered-"));
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  rmSync(dir, { recursive: true, force: true });
  redis.disconnect();
});

const created = queueNamesFor("PNR_V3", "BOOKING_CREATED");

/** An ingress whose one subscription drops BOOKING_CREATED and TICKET_VOIDED. */
async function filteringIngress(prefix: string, env: Record<string, string> = {}) {
  const subscriptions = join(dir, `${prefix}.json`);
  writeFileSync(
    subscriptions,
    JSON.stringify([
      {
        name: "tmc",
        clientId: devClient.clientId,
        clientSecret: devClient.clientSecret,
        filters: { excludeOperations: ["BOOKING_CREATED", "TICKET_VOIDED"] },
      },
    ]),
  );
  const ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    SUBSCRIPTIONS_FILE: subscriptions,
    TOKEN_SIGNING_KEY: testTokenSigningKey,
    ...env,
  });
  closers.push(() => ingress.close());
  const client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
  return { ingress, client };
}

async function cli(prefix: string, args: string[]) {
  const run = await runCliInProcess(args, { QUEUE_PREFIX: prefix });
  expect(run.code, `${run.out}\n${run.err}`).toBe(0);
  return JSON.parse(run.out) as Record<string, unknown>;
}

describe("filtered deliveries", () => {
  it("are answered as before, kept whole, and replayed through dedup and the ledger", async () => {
    const prefix = uniquePrefix("filtered");
    prefixes.push(prefix);
    const { client } = await filteringIngress(prefix);

    const booking = envelope("BOOKING_CREATED", pnrPayload({ pnrId: "PNR-FILTERED" }));
    const first = await client.deliver(booking, { "x-spotnana-webhook-id": "msg-filtered-1" });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(
      '{"status":"filtered","reason":"operation-excluded","deliveryId":"msg-filtered-1"}',
    );
    const again = await client.deliver(booking, { "x-spotnana-webhook-id": "msg-filtered-1" });
    expect(await again.json()).toEqual({ status: "duplicate", deliveryId: "msg-filtered-1" });
    const voided = await client.deliver(envelope("TICKET_VOIDED", pnrPayload({ pnrId: "PNR-V" })));
    expect((await jsonOf(voided, FilteredAnswer)).status).toBe("filtered");

    // Nothing reached a queue a worker takes from; both are kept where `inspect` finds them.
    expect(await redis.llen(new QueueKeys(prefix).toKey(created.queue, "wait"))).toBe(0);
    expect(await cli(prefix, ["inspect", "--json"])).toMatchObject({ count: 0 });
    const kept = await cli(prefix, ["inspect", "--location", "filtered", "--json"]);
    expect(kept.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          location: "filtered",
          heldIn: created.filtered,
          // Literal: a token-only delivery's id is scoped by its subscription and hashed, so
          // only the id's kinds are known here: the filtered copy of a webhook-id job.
          jobId: expect.stringMatching(/^fl-wh-/),
          deliveryId: "msg-filtered-1",
          pnrId: "PNR-FILTERED",
          why: "filtered: operation-excluded",
        }),
        expect.objectContaining({ heldIn: unroutedQueueNames.filtered, pnrId: "PNR-V" }),
      ]),
    );
    expect(kept.count).toBe(2);
    const { jobId } = (kept.events as Array<{ jobId: string; heldIn: string }>).find(
      (e) => e.heldIn === created.filtered,
    ) ?? { jobId: "-" };
    const stored = await redis.hget(keyNames(prefix).job(created.filtered, jobId), "data");
    expect(JSON.parse(stored ?? "{}").event.envelope).toEqual(booking);

    const dry = await cli(prefix, ["replay", "--location", "filtered", "--dry-run", "--json"]);
    expect(dry.moved).toEqual({ [created.queue]: 1, [unroutedQueueNames.queue]: 1 });
    expect(await cli(prefix, ["inspect", "--location", "filtered", "--json"])).toMatchObject({
      count: 2,
    });

    const worker = startWorker({
      QUEUE_PREFIX: prefix,
      WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED",
      ADOPT_BACKLOG: "false",
    });
    closers.push(() => worker.close());
    const replayed = await cli(prefix, ["replay", "--location", "filtered", "--json"]);
    expect(replayed.moved).toEqual({ [created.queue]: 1, [unroutedQueueNames.queue]: 1 });
    await waitFor("the replayed booking applied", async () =>
      (await redis.get(projectionKeyOf(prefix, "PNR-FILTERED"))) === null ? undefined : true,
    );
    // Replaying again finds nothing: each filtered delivery moves once.
    const twice = await cli(prefix, ["replay", "--location", "filtered", "--json"]);
    expect(twice).toMatchObject({ matched: 0, moved: {} });

    const ledger = await runCliInProcess(["ledger", "--json", "--settle", "10"], {
      QUEUE_PREFIX: prefix,
    });
    expect(ledger.code, `${ledger.out}\n${ledger.err}`).toBe(0);
    const report = JSON.parse(ledger.out) as {
      balanced: boolean;
      queues: Array<{ queue: string; expected: number; completed: number; difference: number }>;
      rows: Array<Record<string, number | string>>;
    };
    expect(report.balanced).toBe(true);
    expect(report.queues.find((q) => q.queue === created.queue)).toMatchObject({
      expected: 1,
      completed: 1,
      difference: 0,
    });
    expect(report.rows.find((r) => r.queue === created.queue)).toMatchObject({
      filtered: 1,
      duplicate: 1,
      moved_in: 1,
      completed: 1,
      moved_out: 0,
    });
    expect(report.rows.find((r) => r.queue === unroutedQueueNames.queue)).toMatchObject({
      filtered: 1,
      moved_in: 1,
    });
  });

  it("are bounded by FILTERED_MAX_COUNT, oldest first, trims counted in the metric and the audit", async () => {
    const prefix = uniquePrefix("filteredcap");
    prefixes.push(prefix);
    const { ingress, client } = await filteringIngress(prefix, {
      FILTERED_MAX_COUNT: "2",
      KEPT_SWEEP_MS: "200",
    });
    for (let i = 0; i < 5; i++) {
      const response = await client.deliver(
        envelope("BOOKING_CREATED", pnrPayload({ pnrId: `PNR-C${i}` })),
        { "x-spotnana-webhook-id": `msg-cap-${i}` },
      );
      expect((await jsonOf(response, FilteredAnswer)).status).toBe("filtered");
    }
    await waitFor("two filtered deliveries left", async () =>
      (await redis.llen(new QueueKeys(prefix).toKey(created.filtered, "wait"))) === 2
        ? true
        : undefined,
    );
    const kept = await cli(prefix, ["inspect", "--location", "filtered", "--json"]);
    const pnrs = (kept.events as Array<{ pnrId: string }>).map((e) => e.pnrId).sort();
    expect(pnrs).toEqual(["PNR-C3", "PNR-C4"]);

    const metrics = await scrape(ingress.opsUrl);
    expect(
      metrics.value("skyhook_kept_trimmed_total", {
        location: "filtered",
        queue: "pnr-v3.booking-created.filtered",
        reason: "count",
      }),
    ).toBe(3);
    const audit = (await runCliInProcess(["audit", "--json"], { QUEUE_PREFIX: prefix })).out;
    const trims = (JSON.parse(audit) as Array<{ action: string; changed: number }>).filter(
      (e) => e.action === "trim",
    );
    expect(trims.reduce((n, e) => n + e.changed, 0)).toBe(3);
    const ledger = await runCliInProcess(["ledger", "--json", "--settle", "5"], {
      QUEUE_PREFIX: prefix,
    });
    expect(ledger.code, ledger.err).toBe(0);
  });
});
