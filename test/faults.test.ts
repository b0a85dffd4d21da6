import { setTimeout as sleep } from "node:timers/promises";
import { queueNamesFor } from "@skyhook/contracts";
import { webhookJobId } from "@skyhook/queue-kit";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FaultRig,
  lockDurationMs,
  type SimReport,
  stalledIntervalMs,
  startFaultRig,
} from "./support/fault-rig.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Faults under load, as an outside tester injected them: `skyhook simulate` plays Spotnana
 * (duplicates, reordering, retries on anything but 200, 2 MB-class events) against an ingress
 * and two workers running as processes, while the test kills or freezes Redis or a worker.
 * Afterwards the simulator reads Skyhook's Redis back (every 200 found, processed once, the
 * ledger balanced), and the test reads the handlers' effects: every PNR projected at its
 * newest version, every cancellation notified, repeats only under the same Idempotency-Key.
 */

/** Eight rounds of the simulator's event mix (61 events each, 6 of them for the two handlers). */
const events = 61 * 8;
const load = [
  "--events",
  String(events),
  "--rate",
  "80",
  "--large-kb",
  "512",
  "--settle-sec",
  "60",
];
/** Far enough into the run that the fault hits a pipeline full of work. */
const acceptedBeforeFault = 120;

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function expectNothingLost(current: FaultRig, report: SimReport) {
  expect(report).toMatchObject({ events, acknowledged: events, pending: 0 });
  expect(report.check).toMatchObject({
    lost: 0,
    ledgerShortfall: 0,
    appliedTwice: 0,
    unsettled: 0,
  });
  expect(report.duplicates.sent).toBe(report.duplicates.acknowledged);
  expect(report.ok).toBe(true);
  const ledger = await current.ledger();
  expect(ledger.code, ledger.out).toBe(0);
}

async function expectEffectsComplete(current: FaultRig) {
  const effects = await current.effects(events);
  expect(effects).toMatchObject({
    projected: effects.expectedProjected,
    behind: 0,
    notifiedPnrs: effects.expectedNotifiedPnrs,
    conflictingNotices: 0,
  });
  return effects;
}

const summary = (label: string, report: SimReport, extra: Record<string, unknown> = {}) =>
  console.info(
    `${label}: ${JSON.stringify({ answers: report.answers, retried: report.retried, ackP99Ms: report.ackLatencyMs.p99, e2eP99Ms: report.check.e2eLatencyMs.p99, lost: report.check.lost, appliedTwice: report.check.appliedTwice, ...extra })}`,
  );

async function whenLoaded(current: FaultRig) {
  await waitFor(
    `${acceptedBeforeFault} deliveries accepted`,
    () => (current.accepted() >= acceptedBeforeFault ? true : undefined),
    60_000,
  );
}

describe.each([
  { appendfsync: "always" as const },
  // A process kill loses nothing here either: Redis write()s the file before it answers, and
  // the kernel keeps what was written. What everysec gives up (up to a second of writes) is
  // lost only when the host itself goes down, which no test on one machine can do.
  { appendfsync: "everysec" as const },
])(
  "Redis with appendfsync $appendfsync, SIGKILLed mid-load and started again 1 s later",
  ({ appendfsync }) => {
    it("loses no acknowledged event, applies none twice, and every process recovers by itself", async () => {
      const current = await startFaultRig({ persistence: appendfsync });
      rig = current;
      const run = current.simulate(load);
      await whenLoaded(current);
      const acceptedAtKill = current.accepted();
      await current.killRedis();
      await sleep(1_000);
      await current.startRedis();
      const { code, report } = await run;

      summary(`Redis SIGKILL (${appendfsync})`, report, { acceptedAtKill });
      // It refused, rather than acknowledged, what it could not store while Redis was away.
      expect(report.answers["503"]).toBeGreaterThan(0);
      await expectNothingLost(current, report);
      await expectEffectsComplete(current);
      expect(code).toBe(0);
    }, 150_000);
  },
);

describe("a worker SIGKILLed mid-load, another started in its place", () => {
  it("loses nothing and applies nothing twice; a notice in flight is sent again only under its own key", async () => {
    // Notices answered after 300 ms keep FLIGHT_CANCELLED jobs running when the kill comes; one
    // worker only until then, so the one killed is the one holding the notice.
    const current = await startFaultRig({ workers: 1, noticeAfterMs: 300 });
    rig = current;
    const run = current.simulate(load);
    await whenLoaded(current);
    const heldKey = await waitFor(
      "a notice received and not yet answered",
      () => current.downstream.held()[0]?.headers["idempotency-key"],
    );
    await current.workers[0]?.stop("SIGKILL");
    const killedAtMs = Date.now();
    await current.startWorker();
    const replacementAfterMs = Date.now() - killedAtMs;
    const { code, report } = await run;

    const effects = await expectEffectsComplete(current);
    const { queue } = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
    const heldJob = webhookJobId(String(heldKey));
    const recoveredAfterMs = (await current.jobField(queue, heldJob, "finishedOn")) - killedAtMs;
    summary("worker SIGKILL", report, {
      repeatedNotices: effects.repeatedNotices,
      replacementAfterMs,
      recoveredAfterMs,
    });
    await expectNothingLost(current, report);
    // The dead worker never had the held notice answered: its job was taken back as stalled
    // (and run again, or skipped as stale if a newer version of the PNR got there first)...
    expect(await current.jobField(queue, heldJob, "stc")).toBe(1);
    // ...within the promised time once a worker runs: the lock lapses, one check marks the job
    // and the next moves it, then the notice takes its 300 ms (2 s of room for the host).
    expect(recoveredAfterMs).toBeLessThan(
      Math.max(replacementAfterMs, lockDurationMs) + 2 * stalledIntervalMs + 300 + 2_000,
    );
    expect(code).toBe(0);
  }, 150_000);
});

describe("Redis frozen (SIGSTOP) for 2.5 s under load, then thawed", () => {
  it("never answers 200 while Redis cannot store, answers 503 within the enqueue deadline, and recovers without a restart", async () => {
    const current = await startFaultRig();
    rig = current;
    const run = current.simulate(load);
    await whenLoaded(current);
    current.redis().pause();
    const frozenAtMs = Date.now();
    await sleep(2_500);
    current.redis().resume();
    const thawedAtMs = Date.now();
    const { code, report } = await run;

    const during = current.ingress.logs.filter((l) => {
      const at = Number(l.time);
      // A write Redis confirmed just before the freeze may be answered just after it.
      return l.endpoint === "delivery" && at > frozenAtMs + 250 && at < thawedAtMs;
    });
    const okWhileFrozen = during.filter((l) => l.status === 200).length;
    const refused = during.filter((l) => l.status === 503);
    const slowest503Ms = Math.max(...refused.map((l) => Number(l.durationMs)));
    summary("Redis SIGSTOP", report, { refusedWhileFrozen: refused.length, slowest503Ms });
    expect(okWhileFrozen).toBe(0);
    expect(refused.length).toBeGreaterThan(0);
    // ENQUEUE_TIMEOUT_MS is 800 by default; the rest is room for a loaded 2-core host.
    expect(slowest503Ms).toBeLessThan(1_500);
    await expectNothingLost(current, report);
    await expectEffectsComplete(current);
    expect(code).toBe(0);
  }, 150_000);
});
