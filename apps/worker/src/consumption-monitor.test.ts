import { EventEmitter } from "node:events";
import type { Worker } from "bullmq";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type QueueWork, watchConsumption } from "./consumption-monitor.ts";

/**
 * The rules of "stuck", with the clock, the backlog and the Worker's events in the test's
 * hands. That a real Worker on a real Redis is caught is shown in test/worker-readiness.
 */
function harness(options: { concurrency?: number } = {}) {
  let nowMs = 1_000_000;
  let work: QueueWork = { ready: 0, paused: false };
  let inFlight = 0;
  let pingOk = true;
  const events = new EventEmitter();
  const monitor = watchConsumption({
    consumers: [
      {
        queue: "{q}",
        worker: events as unknown as Worker,
        concurrency: options.concurrency ?? 2,
        inFlight: () => inFlight,
      },
    ],
    readWork: async () => work,
    ping: async () => pingOk,
    stallAfterMs: 30_000,
    checkEveryMs: 60_000,
    logger: pino({ level: "silent" }),
    now: () => nowMs,
  });
  monitors.push(monitor);
  return {
    monitor,
    events,
    advance: (ms: number) => {
      nowMs += ms;
    },
    setWork: (next: QueueWork) => {
      work = next;
    },
    setInFlight: (n: number) => {
      inFlight = n;
    },
    setPing: (ok: boolean) => {
      pingOk = ok;
    },
  };
}

const monitors: Array<{ close(): void }> = [];
afterEach(() => {
  for (const m of monitors.splice(0)) m.close();
});

describe("watchConsumption", () => {
  it("calls a queue stuck once work has waited past the limit with a slot free and no fetch", async () => {
    const h = harness();
    h.setWork({ ready: 3, paused: false });
    await h.monitor.check();
    h.advance(29_000);
    await h.monitor.check();
    expect((await h.monitor.readiness()).ready).toBe(true);
    h.advance(2_000);
    await h.monitor.check();
    const readiness = await h.monitor.readiness();
    expect(readiness).toMatchObject({ ready: false, redis: "ok" });
    expect(readiness.stuck).toEqual([
      expect.objectContaining({ queue: "{q}", backlog: 3, inFlight: 0, concurrency: 2 }),
    ]);
    expect(h.monitor.states()).toEqual([{ queue: "{q}", ready: false }]);
  });

  it("counts from the latest fetch, and a fetch clears a stuck queue at once", async () => {
    const h = harness();
    h.setWork({ ready: 3, paused: false });
    await h.monitor.check();
    h.advance(20_000);
    h.events.emit("active");
    h.advance(20_000);
    await h.monitor.check();
    expect((await h.monitor.readiness()).ready).toBe(true);
    h.advance(15_000);
    await h.monitor.check();
    expect((await h.monitor.readiness()).ready).toBe(false);
    h.events.emit("completed");
    expect((await h.monitor.readiness()).ready).toBe(true);
  });

  it("never calls a queue stuck while every slot is busy (slow is not stuck)", async () => {
    const h = harness({ concurrency: 2 });
    h.setWork({ ready: 50, paused: false });
    h.setInFlight(2);
    for (let n = 0; n < 5; n++) {
      await h.monitor.check();
      h.advance(60_000);
    }
    expect((await h.monitor.readiness()).ready).toBe(true);
  });

  it("never calls a paused queue or an empty one stuck", async () => {
    const h = harness();
    h.setWork({ ready: 5, paused: true });
    await h.monitor.check();
    h.advance(120_000);
    await h.monitor.check();
    expect((await h.monitor.readiness()).ready).toBe(true);
    h.setWork({ ready: 0, paused: false });
    await h.monitor.check();
    h.advance(120_000);
    await h.monitor.check();
    expect((await h.monitor.readiness()).ready).toBe(true);
  });

  it("is not ready while Redis does not answer its ping, and ready again when it does", async () => {
    const h = harness();
    h.setPing(false);
    expect(await h.monitor.readiness()).toEqual({ ready: false, redis: "unavailable", stuck: [] });
    expect(h.monitor.states()).toEqual([{ queue: "{q}", ready: false }]);
    h.setPing(true);
    expect((await h.monitor.readiness()).ready).toBe(true);
  });
});
