import { queueNamesFor } from "@skyhook/contracts";
import {
  createSendingNode,
  defaultFlights,
  envelope,
  pnrPayload,
  segmentId,
} from "@skyhook/spotnana-sender";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { devClient } from "./support/in-process.ts";
import { DeliveryAnswer } from "./support/ingress-answers.ts";
import { jsonOf } from "./support/json-body.ts";
import { freePort, spawnApp } from "./support/processes.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const cancelledQueue = queueNamesFor("PNR_V3", "FLIGHT_CANCELLED");
const [outbound] = defaultFlights as [(typeof defaultFlights)[0]];

async function environment(respond: (n: number) => number | "hang") {
  const prefix = uniquePrefix("proc");
  const redis = connect();
  const queue = new Queue(cancelledQueue.queue, { connection: redis, prefix });
  const downstream = await startDownstream(respond);
  cleanups.push(async () => {
    await downstream.close();
    await queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  const workerEnv = {
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
    NOTIFY_URL: downstream.url,
    SHUTDOWN_TIMEOUT_MS: "500",
  };
  const startWorker = async (env: Record<string, string> = {}) => {
    const worker = spawnApp("worker", { ...workerEnv, ...env });
    cleanups.push(() => worker.stop("SIGKILL"));
    await worker.waitForLog(
      "worker consuming",
      (l) => l.msg === "consuming" && l.queue === cancelledQueue.queue,
    );
    return worker;
  };
  const port = await freePort();
  const ingress = spawnApp("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
  });
  cleanups.push(() => ingress.stop("SIGKILL"));
  await ingress.waitForLog("ingress listening", (l) =>
    String(l.msg).startsWith("ingress listening"),
  );
  const client = createSendingNode({
    url: `http://127.0.0.1:${port}`,
    auth: { mode: "oauth", ...devClient },
  });
  return { prefix, redis, queue, downstream, startWorker, ingress, client };
}

describe("separate processes, as deployed", () => {
  it("carries both operations from HTTP to projection and notification, then stops cleanly on SIGTERM", async () => {
    const env = await environment(() => 200);
    const worker = await env.startWorker();
    const booked = pnrPayload({ version: 1 });
    expect((await env.client.deliver(envelope("BOOKING_CREATED", booked))).status).toBe(200);
    const cancellation = pnrPayload({
      pnrId: booked.pnrId,
      version: 2,
      flights: [{ ...outbound, cancelled: true }],
    });
    expect((await env.client.deliver(envelope("FLIGHT_CANCELLED", cancellation))).status).toBe(200);

    await waitFor("notification", () => (env.downstream.requestCount() > 0 ? true : undefined));
    const record = JSON.parse(
      (await env.redis.get(projectionKeyOf(env.prefix, booked.pnrId))) ?? "{}",
    );
    expect(record.cancelledSegmentIds).toEqual([segmentId(outbound)]);
    expect(env.downstream.received[0]?.body).toMatchObject({
      pnrId: booked.pnrId,
      type: "FLIGHT_CANCELLED",
    });

    expect(await worker.stop("SIGTERM")).toBe(0);
    expect(await env.ingress.stop("SIGTERM")).toBe(0);
    const structuredLogs = JSON.stringify([...worker.logs, ...env.ingress.logs]);
    expect(structuredLogs).toContain(booked.pnrId);
    expect(structuredLogs).not.toContain("Lovelace");
    expect(structuredLogs).not.toContain(devClient.clientSecret);
    expect(structuredLogs).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
  });

  it("does not lose a job whose worker gets SIGTERM mid-handler: it is released, and the next worker completes it", async () => {
    const env = await environment((n) => (n === 0 ? "hang" : 200));
    const first = await env.startWorker();
    const response = await env.client.deliver(
      envelope("FLIGHT_CANCELLED", pnrPayload({ flights: [{ ...outbound, cancelled: true }] })),
      { "x-spotnana-webhook-id": "msg-sigterm" },
    );
    const { jobId } = await jsonOf(response, DeliveryAnswer);
    await waitFor("the handler to be mid-request", () =>
      env.downstream.requestCount() === 1 ? true : undefined,
    );

    expect(await first.stop("SIGTERM")).toBe(0);
    const released = await env.queue.getJob(jobId);
    expect(await released?.getState()).not.toBe("failed");
    expect(released?.attemptsMade).toBe(0);

    await env.startWorker();
    await waitFor("job completed by the second worker", async () =>
      (await env.queue.getJobState(jobId)) === "completed" ? true : undefined,
    );
    expect(env.downstream.received.map((r) => r.headers["idempotency-key"])).toEqual([
      "msg-sigterm",
      "msg-sigterm",
    ]);
    expect(await env.queue.getJobCounts("failed")).toEqual({ failed: 0 });
  });
});
