import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { afterEach, describe, expect, it } from "vitest";
import { startDownstream } from "./support/downstream.ts";
import { type AppProcess, freePort, opsUrlOf, spawnApp } from "./support/processes.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { startSecuredRedis } from "./support/secured-redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Redis as managed services run it: a password, and TLS with a certificate from a private CA.
 * Everything comes from REDIS_URL (`rediss://:<password>@host:port`); the CA from Node's own
 * NODE_EXTRA_CA_CERTS.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pipelineOn(env: Record<string, string>) {
  const secret = newSigningSecret();
  const downstream = await startDownstream();
  cleanups.push(() => downstream.close());
  const port = await freePort();
  const start = (app: "ingress" | "worker", extra: Record<string, string>) => {
    const process = spawnApp(app, { ...env, ...extra });
    cleanups.push(() => process.stop("SIGKILL"));
    return process;
  };
  const ingress = start("ingress", {
    PORT: String(port),
    HOST: "127.0.0.1",
    SPOTNANA_SIGNING_SECRETS: secret,
  });
  const worker = start("worker", { NOTIFY_URL: downstream.url });
  await ingress.waitForLog("ingress listening", (l) =>
    String(l.msg).startsWith("ingress listening"),
  );
  const deliver = async () => {
    const payload = pnrPayload();
    const body = JSON.stringify(envelope("BOOKING_CREATED", payload));
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/spotnana`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signedHeaders(secret, body) },
      body,
    });
    return { response, pnrId: payload.pnrId };
  };
  return { ingress, worker, deliver };
}

async function readiness(app: AppProcess) {
  return (await fetch(`${await opsUrlOf(app)}/readyz`)).status;
}

describe.each([
  { label: "a password", tls: false },
  { label: "TLS and a password", tls: true },
])("Redis with $label", ({ tls }) => {
  it("stores and processes a delivery with everything from REDIS_URL", async () => {
    const redis = await startSecuredRedis({ password: "s3cret/with:odd@chars", tls });
    cleanups.push(() => redis.stop());
    const { worker, deliver } = await pipelineOn({
      REDIS_URL: redis.url,
      ...(redis.caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: redis.caFile }),
    });
    await worker.waitForLog("worker consuming", (l) => l.msg === "consuming", 30_000);
    const { response, pnrId } = await deliver();
    expect(response.status).toBe(200);
    const check = redis.connect();
    cleanups.push(async () => check.disconnect());
    await waitFor("the booking projected", async () =>
      (await check.exists(projectionKeyOf("skyhook", pnrId))) === 1 ? true : undefined,
    );
    expect(await readiness(worker)).toBe(200);
  }, 60_000);
});

describe("Redis refusing the credentials", () => {
  it("answers deliveries 503 and reports not ready, without logging the password", async () => {
    const redis = await startSecuredRedis({ password: "the-right-one", tls: false });
    cleanups.push(() => redis.stop());
    const wrong = redis.url.replace("the-right-one", "a-wrong-one");
    const { ingress, worker, deliver } = await pipelineOn({ REDIS_URL: wrong });
    const { response } = await deliver();
    expect(response.status).toBe(503);
    expect(await readiness(ingress)).toBe(503);
    await waitFor("the worker not ready", async () =>
      (await readiness(worker)) === 503 ? true : undefined,
    );
    for (const app of [ingress, worker]) {
      const leak = app
        .output()
        .split("\n")
        .find((line) => line.includes("a-wrong-one"));
      expect(leak).toBeUndefined();
    }
  }, 60_000);
});
