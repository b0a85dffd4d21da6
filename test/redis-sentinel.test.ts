import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { type FaultRig, startFaultRig } from "./support/fault-rig.ts";
import { sentinelMasterName, startPrivateSentinel } from "./support/private-sentinel.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Failover under load: a primary, two replicas and three sentinels; ingress and workers reach
 * Redis through the sentinels (REDIS_SENTINELS). Mid-load the replicas are cut off for 800 ms
 * (a partition, or replicas lagging behind), then the primary is SIGKILLed, a replica is
 * promoted, and every process must follow it by itself. Without ACK_REPLICAS what the primary
 * acknowledged in those 800 ms dies with it; with ACK_REPLICAS=1 a 200 means a replica had the
 * event too, so nothing answered 200 may be lost.
 */
const events = 61 * 8;
const load = [
  "--events",
  String(events),
  "--rate",
  "80",
  "--large-kb",
  "256",
  "--settle-sec",
  "60",
];

let rig: FaultRig | undefined;
let topology: Awaited<ReturnType<typeof startPrivateSentinel>> | undefined;
afterEach(async () => {
  await rig?.close();
  await topology?.stop();
  rig = undefined;
  topology = undefined;
});

async function failoverRun(ackReplicas: number) {
  const sentinel = await startPrivateSentinel(2);
  topology = sentinel;
  const sentinels = sentinel.sentinelsEnv.split(",").map((s) => {
    const [host, port] = s.split(":");
    return { host: host ?? "", port: Number(port) };
  });
  const current = await startFaultRig({
    external: {
      env: { REDIS_SENTINELS: sentinel.sentinelsEnv, REDIS_SENTINEL_NAME: sentinelMasterName },
      connect: () => new Redis({ sentinels, name: sentinelMasterName, maxRetriesPerRequest: null }),
    },
    ingressEnv: { ACK_REPLICAS: String(ackReplicas) },
  });
  rig = current;
  const run = current.simulate(load);
  await waitFor(
    "120 deliveries accepted",
    () => (current.accepted() >= 120 ? true : undefined),
    60_000,
  );
  await sentinel.partitionReplicas();
  const acceptedAtPartition = current.accepted();
  await sleep(800);
  const acceptedAtKill = current.accepted();
  await sentinel.killPrimary();
  const killedAtMs = Date.now();
  await sentinel.healReplicas();
  await waitFor(
    "a replica promoted",
    async () => ((await sentinel.currentPrimary()) !== sentinel.primary ? true : undefined),
    30_000,
  );
  const promotedAfterMs = Date.now() - killedAtMs;
  const { code, report } = await run;
  console.info(
    `Sentinel failover, ACK_REPLICAS=${ackReplicas}: ${JSON.stringify({ acceptedWhilePartitioned: acceptedAtKill - acceptedAtPartition, promotedAfterMs, answers: report.answers, retried: report.retried, check: report.check })}`,
  );
  return { code, report, current };
}

describe("Sentinel failover: the primary SIGKILLed mid-load", () => {
  it("with ACK_REPLICAS=1, loses nothing answered 200, and ingress and workers follow the promoted replica", async () => {
    const { code, report, current } = await failoverRun(1);
    expect(report).toMatchObject({ events, acknowledged: events, pending: 0 });
    expect(report.check).toMatchObject({
      lost: 0,
      ledgerShortfall: 0,
      appliedTwice: 0,
      unsettled: 0,
    });
    const effects = await current.effects(events);
    expect(effects).toMatchObject({
      projected: effects.expectedProjected,
      behind: 0,
      notifiedPnrs: effects.expectedNotifiedPnrs,
    });
    const ledger = await current.ledger();
    expect(ledger.code, ledger.out).toBe(0);
    expect(code).toBe(0);
  }, 180_000);

  it("without ACK_REPLICAS, follows the promoted replica too, but loses what only the primary had acknowledged", async () => {
    const { code, report } = await failoverRun(0);
    expect(report).toMatchObject({ events, acknowledged: events, pending: 0 });
    expect(report.check).toMatchObject({ appliedTwice: 0, unsettled: 0 });
    // The control: the same run, without waiting for a replica, loses acknowledged events.
    expect((report.check as { lost: number }).lost).toBeGreaterThan(0);
    expect(code).toBe(1);
  }, 180_000);
});
