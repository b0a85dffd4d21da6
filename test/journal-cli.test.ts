import { queueNamesFor } from "@skyhook/contracts";
import { createJournalWriter, defaultJournalSettings, keyNames } from "@skyhook/queue-kit";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./support/cli.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";

/** `skyhook trace` and `skyhook events` as a person reads them, and their usage errors. */
const prefix = uniquePrefix("journal-cli");
const redis = connect();
const env = { REDIS_URL: sharedRedisUrl, QUEUE_PREFIX: prefix };
const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function journal() {
  const writer = createJournalWriter(redis, keyNames(prefix), defaultJournalSettings);
  const fields = (deliveryId: string) => ({
    deliveryId,
    jobId: `wh-${deliveryId}`,
    subscription: "tmc",
    eventType: "PNR_V3",
    operation: "FLIGHT_CANCELLED",
    pnrId: "PNR-CLI",
  });
  await writer.write(cancelled.queue, "accepted", fields("c-1"));
  await writer.write(cancelled.queue, "dead-lettered", {
    ...fields("c-1"),
    reason: "permanent-error: PermanentError: the notice receiver answered 400",
  });
}

describe("skyhook trace and skyhook events", () => {
  it("print a table a person reads, and a search's next page as the cursor to pass", async () => {
    await journal();
    const traced = await runCliInProcess(["trace", "--pnr", "PNR-CLI"], env);
    expect(traced.code, traced.err).toBe(0);
    const lines = traced.out.trim().split("\n");
    expect(lines[0]).toMatch(/^at +outcome +operation +delivery id +job +queue +pnr +why +kept$/);
    expect(lines[1]).toMatch(
      / accepted +PNR_V3\/FLIGHT_CANCELLED +c-1 +wh-c-1 +pnr-v3\.flight-cancelled +PNR-CLI +- +-$/,
    );
    expect(lines[2]).toMatch(/ dead-lettered .* permanent-error: .* dead-letter dl-wh-c-1$/);
    expect(lines.at(-1)).toBe("2 entries, oldest first.");

    const first = await runCliInProcess(["events", "--limit", "1"], env);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(" dead-lettered ");
    const cursor = /--cursor (\S+)/.exec(first.out)?.[1];
    expect(cursor).toBeDefined();
    const next = await runCliInProcess(["events", "--limit", "1", "--cursor", cursor ?? ""], env);
    expect(next.out).toContain(" accepted ");
    const none = await runCliInProcess(["trace", "--pnr", "PNR-NOBODY"], env);
    expect(none.out).toBe("The journal holds nothing for it (within its age bound).\n");
  });

  it("refuse a look-up that names no subject, or two, and a search with an unknown outcome or cursor (exit 2)", async () => {
    for (const args of [
      ["trace"],
      ["trace", "--pnr", "P", "--trip", "T"],
      ["events", "--outcome", "vanished"],
      ["events", "--cursor", "not-a-cursor"],
      ["events", "--limit", "0"],
    ]) {
      const result = await runCliInProcess(args, env);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err, args.join(" ")).toMatch(/^skyhook: /);
    }
    expect((await runCliInProcess(["trace"], env)).err).toContain(
      "name exactly one of pnr, trip, traveler, deliveryId",
    );
  });
});
