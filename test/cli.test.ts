import { createProgram } from "@skyhook/cli";
import { queueNamesFor } from "@skyhook/contracts";
import { keyNames } from "@skyhook/queue-kit";
import {
  cancelledFlightEnvelope,
  createSendingNode,
  newSigningSecret,
} from "@skyhook/spotnana-sender";
import { QueueKeys } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";
import { startDownstream } from "./support/downstream.ts";
import { devClient, startIngress, startWorker, testTokenSigningKey } from "./support/in-process.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const prefix = uniquePrefix("cli");
const redis = connect();
const env = { QUEUE_PREFIX: prefix };
const cancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
/** BullMQ's list of the dead letters waiting (nothing consumes them). */
const deadLettersWaiting = new QueueKeys(prefix).toKey(cancelled.deadLetter, "wait");
const signingSecret = newSigningSecret();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let worker: ReturnType<typeof startWorker>;
let downstream: Awaited<ReturnType<typeof startDownstream>>;

beforeAll(async () => {
  downstream = await startDownstream(() => 500);
  ingress = await startIngress({
    QUEUE_PREFIX: prefix,
    RETRY_ATTEMPTS: "1",
    SPOTNANA_CLIENT_ID: devClient.clientId,
    SPOTNANA_CLIENT_SECRET: devClient.clientSecret,
    SPOTNANA_SIGNING_SECRETS: signingSecret,
    TOKEN_SIGNING_KEY: testTokenSigningKey,
  });
  worker = startWorker({ QUEUE_PREFIX: prefix, NOTIFY_URL: downstream.url });
  const client = createSendingNode({ url: ingress.baseUrl, auth: { mode: "oauth", ...devClient } });
  for (const pnrId of ["PNR-C1", "PNR-C2", "PNR-C3"])
    await client.deliver(cancelledFlightEnvelope(pnrId));
  await waitFor("three dead letters", async () =>
    (await redis.llen(deadLettersWaiting)) === 3 ? true : undefined,
  );
});

afterAll(async () => {
  await worker.close();
  await ingress.close();
  await downstream.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const json = <T>(text: string) => JSON.parse(text) as T;

describe("the skyhook command line", () => {
  it("prints --help for itself and every command", async () => {
    const top = await runCli(["--help"], env);
    expect(top.code).toBe(0);
    const commands = [
      "inspect",
      "replay",
      "purge",
      "ledger",
      "audit",
      "send",
      "simulate",
      "new-handler",
      "status",
      "pause",
      "resume",
    ];
    for (const name of commands) expect(top.stdout).toContain(name);
    for (const name of commands) {
      let out = "";
      const program = createProgram({
        out: (text) => {
          out += text;
        },
        err: () => undefined,
        interactive: false,
        env,
      });
      expect(await program.run([name, "--help"]), name).toBe(0);
      expect(out, name).toContain(`Usage: skyhook ${name}`);
    }
  });

  it("inspects dead letters with filters, as a table and as JSON", async () => {
    const human = await runCli(["inspect", "--location", "dead-letter"], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/PNR-C1/);
    expect(human.stdout).toMatch(/3 event\(s\) match/);
    const one = await runCli(["inspect", "--pnr", "PNR-C2", "--json"], env);
    const parsed = json<{ count: number; events: Array<{ why: string; pnrId: string }> }>(
      one.stdout,
    );
    expect(parsed.count).toBe(1);
    expect(parsed.events[0]?.why).toContain("notification endpoint answered 500");
    const bad = await runCli(["inspect", "--since", "not-a-date"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since/);
  });

  it("reports a dry-run replay without moving anything", async () => {
    const dry = await runCli(
      ["replay", "--dry-run", "--json", "--operation", "FLIGHT_CANCELLED"],
      env,
    );
    expect(dry.code).toBe(0);
    expect(json<{ moved: Record<string, number> }>(dry.stdout).moved).toEqual({
      [cancelled.queue]: 3,
    });
    expect(await redis.llen(deadLettersWaiting)).toBe(3);
  });

  it("refuses to purge without confirmation, purges with --yes, and the ledger still balances", async () => {
    const refused = await runCli(["purge", "--pnr", "PNR-C3"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing without --yes/);
    expect(await redis.llen(deadLettersWaiting)).toBe(3);
    const purged = await runCli(["purge", "--pnr", "PNR-C3", "--yes", "--json"], env);
    expect(purged.code).toBe(0);
    expect(json<{ purged: number }>(purged.stdout).purged).toBe(1);
    const ledger = await runCli(["ledger", "--json", "--settle", "5"], env);
    expect(ledger.code, ledger.stderr).toBe(0);
    const report = json<{
      balanced: boolean;
      queues: Array<{ queue: string; deadLettered: number }>;
    }>(ledger.stdout);
    expect(report.balanced).toBe(true);
    expect(report.queues.find((q) => q.queue === cancelled.queue)?.deadLettered).toBe(2);
    const audit = await runCli(["audit", "--json"], env);
    expect(json<Array<{ action: string }>>(audit.stdout).map((a) => a.action)).toContain("purge");
  });

  it("exits 1 and names the difference when the ledger does not balance", async () => {
    const field = `accepted|spotnana|PNR_V3|FLIGHT_CANCELLED`;
    const ledgerKey = keyNames(prefix).ledger(cancelled.queue);
    await redis.hincrby(ledgerKey, field, 1);
    try {
      const result = await runCli(["ledger", "--settle", "0"], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /pnr-v3\.flight-cancelled: 1 accepted event\(s\) not accounted for/,
      );
    } finally {
      await redis.hincrby(ledgerKey, field, -1);
    }
  });

  it("sends a test delivery signed with HMAC, and one with an OAuth token", async () => {
    const signed = await runCli(
      ["send", "--url", ingress.baseUrl, "--secret", signingSecret, "--json"],
      env,
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect(
      json<{ status: number; mode: string; body: { status: string } }>(signed.stdout),
    ).toMatchObject({
      status: 200,
      mode: "hmac",
      body: { status: "accepted" },
    });
    const oauth = await runCli(["send", "--url", ingress.baseUrl, "--mode", "oauth"], env);
    expect(oauth.code, oauth.stderr).toBe(0);
    expect(oauth.stdout).toMatch(/^200 .*"status":"accepted"/);
    const wrong = await runCli(
      ["send", "--url", ingress.baseUrl, "--secret", newSigningSecret()],
      env,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^401/);
  });
});
