import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCatalog } from "@skyhook/contracts";
import {
  createJournalReader,
  defaultJournalSettings,
  type JournalEntry,
  keyNames,
  knownQueues,
} from "@skyhook/queue-kit";
import { createSendingNode, defaultFlights, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { startDownstream } from "./support/downstream.ts";
import { devClient, testTokenSigningKey } from "./support/in-process.ts";
import { type AppProcess, freePort, spawnApp } from "./support/processes.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The "done when": one PNR meets every outcome a delivery can have — accepted,
 * duplicate, filtered, rejected, kept in the catch-all, skipped as stale, retried, dead-lettered,
 * replayed — through a real ingress and a real worker, each its own process, and `skyhook trace`
 * tells each delivery's story in order.
 */
const prefix = uniquePrefix("journal");
const redis = connect();
const pnrId = "PNR-JOURNAL";
const processes: AppProcess[] = [];
const closers: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const app of processes) await app.stop("SIGKILL");
  for (const close of closers) await close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const reader = createJournalReader({
  redis,
  keys: keyNames(prefix),
  queueNames: async () => knownQueues(defaultCatalog, []),
  settings: defaultJournalSettings,
});

/** Waits until the PNR's timeline holds `outcome` for `deliveryId`. */
const journaled = (deliveryId: string, outcome: string) =>
  waitFor(
    `${outcome} journaled for ${deliveryId}`,
    async () => {
      const entries = await reader.timeline({ deliveryId, limit: 100 });
      return entries.some((e) => e.outcome === outcome) ? true : undefined;
    },
    30_000,
  );

const other = { organizationId: { id: "ORG-7" } };
const booking = (version: number, operation = "BOOKING_CREATED") =>
  envelope(operation, pnrPayload({ pnrId, version }));
const cancellation = (version: number) =>
  envelope(
    "FLIGHT_CANCELLED",
    pnrPayload({
      pnrId,
      version,
      flights: defaultFlights.map((f, i) => (i === 0 ? { ...f, cancelled: true } : f)),
    }),
  );

describe("the journal after a mixed run", () => {
  it("tells each delivery's full story in order through skyhook trace, and skyhook events finds the dead letter", async () => {
    // The notice receiver's answers, in the order the notices come: J-7 fails once, J-8 is
    // refused for good (400: a PermanentError), and its replay is accepted.
    const answers = [500, 200, 400, 200];
    const downstream = await startDownstream((n) => answers[n] ?? 200);
    closers.push(() => downstream.close());
    const subscriptions = join(tmpdir(), `${prefix}-subscriptions.json`);
    writeFileSync(
      subscriptions,
      JSON.stringify([
        {
          name: "tmc",
          clientId: devClient.clientId,
          clientSecret: devClient.clientSecret,
          filters: { excludeOperations: ["BOOKING_OTHER_UPDATE"], organizationIds: ["ORG-42"] },
        },
      ]),
    );
    const common = { QUEUE_PREFIX: prefix, RETRY_ATTEMPTS: "3", RETRY_BACKOFF_MS: "50" };
    const port = await freePort();
    const ingress = spawnApp("ingress", {
      ...common,
      PORT: String(port),
      HOST: "127.0.0.1",
      SUBSCRIPTIONS_FILE: subscriptions,
      TOKEN_SIGNING_KEY: testTokenSigningKey,
    });
    processes.push(ingress);
    const worker = spawnApp("worker", { ...common, NOTIFY_URL: downstream.url });
    processes.push(worker);
    await ingress.waitForLog("ingress listening", (l) =>
      String(l.msg).startsWith("ingress listening"),
    );
    await worker.waitForLog("worker consuming", (l) => l.msg === "consuming", 30_000);
    const client = createSendingNode({
      url: `http://127.0.0.1:${port}`,
      auth: { mode: "oauth", ...devClient },
    });
    const send = async (id: string, body: unknown, status = 200) => {
      const response = await client.deliver(body, { "x-spotnana-webhook-id": id });
      expect(response.status, id).toBe(status);
    };

    await send("J-1", booking(1));
    await journaled("J-1", "applied");
    await send("J-1", booking(1));
    await send("J-2", booking(1, "BOOKING_OTHER_UPDATE"));
    const { operation: _missing, ...invalid } = booking(1);
    await send("J-3", invalid, 400);
    await send("J-4", booking(1, "TICKET_VOIDED"));
    await send("J-5", booking(3));
    await journaled("J-5", "applied");
    await send("J-6", booking(2));
    await journaled("J-6", "stale");
    await send("J-7", cancellation(4));
    await journaled("J-7", "applied");
    await send("J-8", cancellation(5));
    await journaled("J-8", "dead-lettered");
    const replay = await runCli(["replay", "--location", "dead-letter", "--pnr", pnrId], common);
    expect(replay.code, replay.stderr).toBe(0);
    await journaled("J-8", "applied");
    // Filtered for its organization, kept whole, and replayed once the filter is known wrong.
    const elsewhere = { ...booking(9), payload: { ...booking(9).payload, audience: other } };
    await send("J-9", elsewhere);
    const unfiltered = await runCli(
      ["replay", "--location", "filtered", "--operation", "BOOKING_CREATED", "--pnr", pnrId],
      common,
    );
    expect(unfiltered.code, unfiltered.stderr).toBe(0);
    await journaled("J-9", "applied");

    const traced = await runCli(["trace", "--pnr", pnrId, "--json"], common);
    expect(traced.code, traced.stderr).toBe(0);
    const entries = JSON.parse(traced.stdout) as JournalEntry[];
    for (const entry of entries) {
      expect(entry).toMatchObject({
        at: expect.any(String),
        deliveryId: expect.any(String),
        operation: expect.any(String),
        outcome: expect.any(String),
      });
    }
    // Time order, except that an acceptance Redis stamped after its own job's outcome (the
    // worker finished within the ingress's count) is told first, just before that outcome.
    const movedFirst = (e: JournalEntry, i: number) =>
      e.outcome === "accepted" && entries[i + 1]?.jobId === e.jobId;
    const times = entries.filter((e, i) => !movedFirst(e, i)).map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const story = (deliveryId: string) =>
      entries.filter((e) => e.deliveryId === deliveryId).map((e) => e.outcome);
    expect(story("J-1")).toEqual(["accepted", "applied", "duplicate"]);
    expect(story("J-2")).toEqual(["filtered"]);
    expect(story("J-3")).toEqual(["rejected"]);
    expect(story("J-4")).toEqual(["accepted"]);
    expect(story("J-5")).toEqual(["accepted", "applied"]);
    expect(story("J-6")).toEqual(["accepted", "stale"]);
    expect(story("J-7")).toEqual(["accepted", "retried", "applied"]);
    expect(story("J-8")).toEqual(["accepted", "dead-lettered", "replayed", "applied"]);
    expect(story("J-9")).toEqual(["filtered", "replayed", "applied"]);
    expect(entries).toHaveLength(20);

    const find = (deliveryId: string, outcome: string) =>
      entries.find((e) => e.deliveryId === deliveryId && e.outcome === outcome);
    expect(find("J-2", "filtered")).toMatchObject({ reason: "operation-excluded" });
    expect(find("J-3", "rejected")).toMatchObject({
      queue: "{rejected}",
      reason: "invalid envelope: operation",
      kept: { location: "rejected", queue: "{rejected}" },
    });
    expect(find("J-4", "accepted")).toMatchObject({
      operation: "TICKET_VOIDED",
      kept: { location: "catch-all", queue: "{unrouted}" },
    });
    expect(find("J-6", "stale")).toMatchObject({
      version: 2,
      reason: "version 2 is older than applied 3",
      kept: { location: "stale", queue: "{pnr-v3.booking-created}.stale" },
    });
    expect(find("J-7", "retried")?.reason).toContain("500");
    expect(find("J-8", "dead-lettered")).toMatchObject({
      kept: { location: "dead-letter", queue: "{pnr-v3.flight-cancelled}.dead-letter" },
    });
    expect(find("J-8", "replayed")?.jobId).toMatch(/^rp1-/);
    expect(find("J-9", "filtered")).toMatchObject({
      reason: "organization",
      kept: { location: "filtered", queue: "{pnr-v3.booking-created}.filtered" },
    });
    expect(find("J-9", "applied")).toMatchObject({ version: 9 });
    expect(find("J-1", "accepted")).toMatchObject({ subscription: "tmc", version: 1 });
    expect(find("J-1", "accepted")?.bodyBytes).toBeGreaterThan(500);
    expect(traced.stdout).not.toContain("Lovelace");

    const byDelivery = await runCli(["trace", "--delivery-id", "J-8", "--json"], common);
    const delivery = JSON.parse(byDelivery.stdout) as JournalEntry[];
    expect(delivery.map((e) => e.outcome)).toEqual(story("J-8"));

    const searched = await runCli(["events", "--outcome", "dead-lettered", "--json"], common);
    expect(searched.code, searched.stderr).toBe(0);
    const found = JSON.parse(searched.stdout) as { entries: JournalEntry[]; cursor: null };
    expect(found.entries.map((e) => [e.deliveryId, e.pnrId, e.kept?.location])).toEqual([
      ["J-8", pnrId, "dead-letter"],
    ]);
    expect(found.cursor).toBeNull();
  }, 120_000);
});
