import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultRetryPolicy,
  type EventJob,
  queueNamesFor,
  unroutedQueueNames,
} from "@skyhook/contracts";
import { boardPauseReason, opsPageUrl } from "@skyhook/dashboard";
import {
  createDeadLetterWriter,
  createQueuePool,
  createRouteRegistry,
  createStaleWriter,
  describeError,
  jobNameOf,
  keyNames,
  type QueuePool,
} from "@skyhook/queue-kit";
import { createLogger, hashPassword } from "@skyhook/service-kit";
import { envelope, pnrPayload } from "@skyhook/spotnana-sender";
import type { Redis } from "ioredis";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chromiumPath,
  dashboardAddress,
  dashboardHostName,
  launchChromium,
  skipWithoutChromium,
} from "./support/browser.ts";
import { type AppProcess, freePort, spawnApp } from "./support/processes.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";

/**
 * The dashboard as an operator sees it: the real process, listening on 127.0.0.2, opened in
 * Debian's Chromium over plain HTTP.
 *
 * Browsers treat every loopback address (all of 127/8, not only `localhost`) as a secure
 * context, where `upgrade-insecure-requests` rewrites nothing, so at `http://127.0.0.2` a board
 * that is broken for everyone on a LAN address still loads. The browser therefore opens it by a
 * host name it cannot know to be loopback, resolved to 127.0.0.2 by the browser's own resolver
 * rules: a non-secure context, exactly as at `http://10.1.2.3:3001`, with no traffic leaving
 * this machine. The raw address is checked too.
 */
if (skipWithoutChromium) {
  console.warn(
    `\n*** SKIPPED: the dashboard browser test needs Chromium at ${chromiumPath}. ` +
      "Install it with `apt-get install -y chromium` (scripts/test.sh does so when run as root). ***\n",
  );
}

const address = dashboardAddress;
const hostName = dashboardHostName;
const silentLogger = createLogger({
  name: "dashboard-browser-test",
  level: "silent",
  redactFields: [],
});
const credentials = { username: "ops", password: "browser-test-password" };
/** A second user, from a users file: reads and dry-runs, never replays. */
const viewerCredentials = { username: "eve", password: "browser-test-viewer" };
const flightCancelled = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const announced = queueNamesFor("TRAVELER_V2", "TRAVELER_UPDATED");
const failure = describeError(
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
  }),
);

function eventJob(deliveryId: string, version: number): EventJob {
  return {
    v: 1,
    deliveryId,
    deliveryIdSource: "webhook-id",
    subscription: "spotnana",
    receivedAt: new Date().toISOString(),
    eventType: "PNR_V3",
    operation: "FLIGHT_CANCELLED",
    keys: { pnrId: "PNR-1", version },
    trace: { requestId: `req-${deliveryId}` },
    envelope: envelope("FLIGHT_CANCELLED", pnrPayload({ pnrId: "PNR-1", version })),
  };
}

/** Puts one dead letter, one skipped-stale event and one catch-all event in place, as a worker would. */
async function seed(pool: QueuePool): Promise<void> {
  const main = pool.get(flightCancelled.queue);
  const failed = eventJob("wh-browser-failed", 4);
  const failedJob = await main.add(jobNameOf(failed), failed, { jobId: failed.deliveryId });
  await createDeadLetterWriter({ queues: pool }).write(
    failedJob,
    { queue: flightCancelled.queue, deadLetterQueue: flightCancelled.deadLetter },
    "retries-exhausted",
    failure,
  );
  const late = eventJob("wh-browser-late", 3);
  const lateJob = await main.add(jobNameOf(late), late, { jobId: late.deliveryId });
  await createStaleWriter({ queues: pool }).write(
    lateJob,
    late,
    flightCancelled,
    { entity: "pnr:PNR-1", version: 3 },
    { entity: "pnr:PNR-1", version: 5 },
  );
  await pool
    .get(unroutedQueueNames.queue)
    .add("TRAVELER_V2.TRAVELER_UPDATED", { v: 1, note: "kept for re-routing" });
}

describe.skipIf(skipWithoutChromium)("the dashboard in Chromium at a non-localhost address", () => {
  const prefix = uniquePrefix("dash-browser");
  const usersDir = mkdtempSync(join(tmpdir(), "skyhook-dash-browser-"));
  const requests: string[] = [];
  const servedBy = new Set<string>();
  const consoleProblems: string[] = [];
  let redis: Redis;
  let pool: QueuePool;
  let dashboard: AppProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let port: number;
  let origin: string;

  const cspViolations = () => page.evaluate("globalThis.cspViolations ?? []") as Promise<string[]>;
  const cardOf = (label: string) =>
    page.locator("li").filter({ has: page.locator(`a[title="${label}"]`) });

  beforeAll(async () => {
    redis = connect();
    pool = createQueuePool({ connection: redis, prefix, logger: silentLogger });
    await seed(pool);

    port = await freePort();
    origin = `http://${hostName}:${port}`;
    const usersFile = join(usersDir, "users");
    const viewerHash = await hashPassword(viewerCredentials.password, { logN: 10, r: 8, p: 1 });
    writeFileSync(usersFile, `${viewerCredentials.username}:viewer:${viewerHash}\n`);
    dashboard = spawnApp("dashboard", {
      HOST: address,
      PORT: String(port),
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: prefix,
      DASHBOARD_USER: credentials.username,
      DASHBOARD_PASSWORD: credentials.password,
      DASHBOARD_USERS_FILE: usersFile,
      DASHBOARD_REFRESH_MS: "250",
    });
    await dashboard.waitForLog(
      "the dashboard listening",
      (line) => line.msg === "dashboard listening",
    );

    browser = await launchChromium();
    context = await browser.newContext({
      httpCredentials: credentials,
      locale: "en-US",
      viewport: { width: 1440, height: 900 },
    });
    context.on("request", (request) => requests.push(request.url()));
    context.on("response", (response) => {
      // A page closed by a test may still be answering: its address is then unknowable.
      response.serverAddr().then(
        (server) => servedBy.add(server === null ? "unknown" : server.ipAddress),
        () => undefined,
      );
    });
    // The policy is the second line of defence: what it blocks is recorded where it happens.
    await context.addInitScript({
      content: `globalThis.cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) =>
          globalThis.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`,
    });
    page = await context.newPage();
    page.on("console", (message) => {
      if (/content security policy|refused to/i.test(message.text())) {
        consoleProblems.push(message.text());
      }
    });
    page.on("pageerror", (err) => consoleProblems.push(`uncaught: ${err.message}`));
    await page.goto(`${origin}/`);
    // Else this test would no longer show what an operator on a LAN address sees.
    expect(await page.evaluate("isSecureContext"), "a non-secure context").toBe(false);
    try {
      await page
        .getByText("catch-all (no handler yet)", { exact: true })
        .waitFor({ timeout: 20_000 });
    } catch (err) {
      // Why a board never renders is in what the page asked for and what was refused.
      throw new Error(
        `the board did not render at ${origin}: ${(err as Error).message}\n` +
          `requests: ${JSON.stringify(requests)}\npolicy violations: ${JSON.stringify(await cspViolations())}`,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await pool?.close();
    rmSync(usersDir, { recursive: true, force: true });
    if (redis !== undefined) {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  it("renders the board, each queue labelled as what it is", async () => {
    for (const label of [
      "pnr-v3.flight-cancelled",
      "pnr-v3.flight-cancelled · dead letters",
      "pnr-v3.flight-cancelled · skipped stale",
      "catch-all (no handler yet)",
    ]) {
      await cardOf(label).first().waitFor();
    }
  });

  it('shows "No workers" on an operation queue only, never on queues nothing consumes', async () => {
    await page.getByText("catch-all (no handler yet)", { exact: true }).waitFor();
    // The operation's own queue has no worker in this test: there the badge is a real alarm.
    await cardOf("pnr-v3.flight-cancelled").getByText("No workers").waitFor();
    for (const label of [
      "pnr-v3.flight-cancelled · dead letters",
      "pnr-v3.flight-cancelled · skipped stale",
      "catch-all (no handler yet)",
    ]) {
      expect(await cardOf(label).getByText("No workers").count(), label).toBe(0);
    }
  });

  it("does not list the catch-all's dead-letter and stale queues, which can never hold anything", async () => {
    await page.getByText(unroutedQueueNames.queue, { exact: true }).waitFor();
    for (const name of [unroutedQueueNames.deadLetter, unroutedQueueNames.stale]) {
      expect(await page.getByText(name).count(), name).toBe(0);
    }
  });

  it("lists the queues of an operation announced after it started, without a restart", async () => {
    await createRouteRegistry(redis, keyNames(prefix)).announce([
      {
        eventType: "TRAVELER_V2",
        operation: "TRAVELER_UPDATED",
        queues: announced,
        retry: defaultRetryPolicy,
      },
    ]);
    for (const label of [
      "traveler-v2.traveler-updated",
      "traveler-v2.traveler-updated · dead letters",
      "traveler-v2.traveler-updated · skipped stale",
    ]) {
      await page.locator(`a[title="${label}"]`).first().waitFor({ timeout: 20_000 });
    }
  });

  it("links the replay and ledger page from the header", async () => {
    await page.locator('header button[aria-haspopup="menu"]').last().click();
    const link = page.getByRole("menuitem", { name: "Replay & ledger" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe(opsPageUrl("/"));
    await page.keyboard.press("Escape");
  });

  it("shows a dead letter's failure and its causes in the list, with a dated, zoned time", async () => {
    await cardOf("pnr-v3.flight-cancelled · dead letters")
      .locator('a[title="pnr-v3.flight-cancelled · dead letters"]')
      .click();
    await page.getByText(`retries-exhausted — ${failure}`, { exact: true }).waitFor();
    const time = (await page.locator("time").first().textContent()) ?? "";
    const year = new Date().getUTCFullYear();
    // e.g. "Dec 01, 2026, 08:07:31 UTC": the date, the time to the second, and the zone.
    expect(time.replace(/\s+/g, " ")).toMatch(
      new RegExp(`^[A-Z][a-z]{2} \\d{2}, ${year}, \\d{2}:\\d{2}:\\d{2} UTC$`),
    );
    await page.screenshot({ path: "/tmp/skyhook-dashboard-dead-letters.png" });
  });

  it("says why a skipped event was stale in the list", async () => {
    // The sidebar lists raw queue names.
    await page.locator(`a[title="${flightCancelled.stale}"]`).click();
    await page
      .getByText("skipped stale — version 3, older than the applied version 5", { exact: true })
      .waitFor();
  });

  it("also renders at the bare address", async () => {
    const direct = await context.newPage();
    try {
      await direct.goto(`http://${address}:${port}/`);
      await direct.getByText("catch-all (no handler yet)", { exact: true }).waitFor();
    } finally {
      await direct.close();
    }
  });

  it("lets a viewer see each operation's state and dry-run a replay on the Replay & ledger page, with no Pause or Replay button, and see a read-only board", async () => {
    const viewing = await browser?.newContext({
      httpCredentials: viewerCredentials,
      locale: "en-US",
    });
    if (viewing === undefined) throw new Error("the browser did not start");
    try {
      const ops = await viewing.newPage();
      await ops.goto(`${origin}${opsPageUrl("/")}`);
      const operation = ops
        .locator("#operations tr")
        .filter({ hasText: "pnr-v3.flight-cancelled" });
      await operation.getByText("running", { exact: true }).waitFor();
      // Not even hidden: a viewer's page is built without them.
      expect(await operation.locator("button").count()).toBe(0);
      const row = ops.locator("#kept tr").filter({ hasText: "retries-exhausted" });
      await row.waitFor();
      // Any button, hidden ones too: a role query would skip a Replay button CSS hides.
      expect(await row.locator("button").count()).toBe(0);
      expect(await ops.locator("#replay").isVisible()).toBe(false);
      await ops.locator("#dry-run").click();
      await ops
        .getByText(`would move 1 to ${flightCancelled.queue.replace(/[{}]/g, "")}`)
        .waitFor();
      expect(await pool.get(flightCancelled.deadLetter).getWaitingCount()).toBe(1);
      await ops.locator("#audit").getByText("dashboard:eve").first().waitFor();

      const board = await viewing.newPage();
      await board.goto(`${origin}/`);
      await board.getByText("Skyhook (read-only)").first().waitFor();
    } finally {
      await viewing.close();
    }
  });

  it("replays a dead letter from the Replay & ledger page", async () => {
    const ops = await context.newPage();
    try {
      await ops.goto(`${origin}${opsPageUrl("/")}`);
      await ops.locator("#ledger table").getByText("pnr-v3.flight-cancelled").first().waitFor();
      const row = ops.locator("#kept tr").filter({ hasText: "retries-exhausted" });
      await row.waitFor();
      expect(await row.textContent()).toContain("ECONNREFUSED");
      await row.getByRole("button", { name: "Replay" }).click();
      await ops.getByText(`moved 1 to ${flightCancelled.queue.replace(/[{}]/g, "")}`).waitFor();
      expect(await pool.get(flightCancelled.deadLetter).getWaitingCount()).toBe(0);
      expect(await pool.get(flightCancelled.queue).getJob("rp1-wh-browser-failed")).toBeDefined();
    } finally {
      await ops.close();
    }
  });

  it("lets an operator pause an operation from the page, giving a reason, see it paused with its held events, and resume it", async () => {
    const ops = await context.newPage();
    const queue = pool.get(flightCancelled.queue);
    try {
      await queue.add("PNR_V3.FLIGHT_CANCELLED", eventJob("wh-browser-held", 6), {
        jobId: "wh-browser-held",
      });
      await ops.goto(`${origin}${opsPageUrl("/")}`);
      const row = ops.locator("#operations tr").filter({ hasText: "pnr-v3.flight-cancelled" });
      await row.getByText("running", { exact: true }).waitFor();
      await row.getByRole("button", { name: "Pause…" }).click();
      await row
        .getByRole("textbox", { name: "reason for pausing pnr-v3.flight-cancelled" })
        .fill("vendor maintenance until 14:00");
      await row.getByRole("button", { name: "Pause", exact: true }).click();

      await row
        .locator(".state")
        .getByText(/^paused by dashboard:ops at \S+: vendor maintenance until 14:00$/)
        .waitFor();
      expect(await row.getAttribute("class")).toBe("paused");
      // Every waiting event (the one added above among them) is held by the pause.
      const counts = await queue.getJobCounts("waiting", "prioritized", "delayed", "active");
      const waiting = String((counts.waiting ?? 0) + (counts.prioritized ?? 0));
      expect(Number(waiting)).toBeGreaterThan(0);
      expect(await row.locator("td.num").allTextContents()).toEqual([
        waiting,
        waiting,
        String(counts.delayed ?? 0),
        String(counts.active ?? 0),
      ]);
      expect(await queue.isPaused()).toBe(true);
      // The ledger counts them in flight, and as held.
      const ledger = ops.locator("#ledger tr").filter({ hasText: "pnr-v3.flight-cancelled" });
      const inFlight = String(Number(waiting) + (counts.delayed ?? 0) + (counts.active ?? 0));
      await expect
        .poll(async () => (await ledger.locator("td").allTextContents()).slice(5, 7), {
          timeout: 10_000,
        })
        .toEqual([inFlight, waiting]);
      await ops.locator("#audit tr").filter({ hasText: "pause" }).first().waitFor();
      expect(
        await ops.locator("#audit tr").filter({ hasText: "pause" }).first().textContent(),
      ).toContain("dashboard:ops");

      // bull-board shows the same pause on its own card of the queue.
      const board = await context.newPage();
      try {
        await board.goto(`${origin}/`);
        await board
          .locator("li")
          .filter({ has: board.locator('a[title="pnr-v3.flight-cancelled"]') })
          .getByText("[ Paused ]")
          .first()
          .waitFor();
      } finally {
        await board.close();
      }

      await row.getByRole("button", { name: "Resume" }).click();
      await row.locator(".state").getByText("running", { exact: true }).waitFor();
      expect(await queue.isPaused()).toBe(false);
      await row.getByRole("button", { name: "Pause…" }).waitFor();
    } finally {
      await queue.resume();
      await queue.remove("wh-browser-held");
      await ops.close();
    }
  });

  it("takes an operator's Pause from bull-board's own queue menu through Skyhook's pause: the page names who and why, and the audit has it", async () => {
    const board = await context.newPage();
    const queue = pool.get(flightCancelled.queue);
    try {
      await board.goto(`${origin}/queue/${encodeURIComponent(flightCancelled.queue)}`);
      await board
        .locator('button[aria-haspopup="menu"]:has(svg.lucide-ellipsis-vertical)')
        .first()
        .click();
      await board.getByRole("menuitem", { name: "Pause" }).click();
      await board.getByRole("alertdialog").getByRole("button", { name: "Confirm" }).click();
      await expect.poll(() => queue.isPaused(), { timeout: 10_000 }).toBe(true);

      await board.goto(`${origin}${opsPageUrl("/")}`);
      const row = board.locator("#operations tr").filter({ hasText: "pnr-v3.flight-cancelled" });
      await row
        .locator(".state")
        .getByText(new RegExp(`^paused by dashboard:ops at \\S+: ${boardPauseReason}$`))
        .waitFor({ timeout: 10_000 });
      const audit = board.locator("#audit tr").filter({ hasText: boardPauseReason }).first();
      await audit.waitFor({ timeout: 10_000 });
      expect(await audit.textContent()).toContain("dashboard:ops");
      await row.getByRole("button", { name: "Resume" }).click();
      await row.locator(".state").getByText("running", { exact: true }).waitFor();
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.resume();
      await redis.del(keyNames(prefix).pauseNote(flightCancelled.queue));
      await board.close();
    }
  });

  it("sends every request to the dashboard over plain HTTP, and violates no policy", async () => {
    expect(requests.length).toBeGreaterThan(5);
    const own = [origin, `http://${address}:${port}`];
    expect(requests.filter((url) => !own.includes(new URL(url).origin))).toEqual([]);
    expect([...servedBy]).toEqual([address]);
    expect(await cspViolations()).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
