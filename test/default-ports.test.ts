import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { loadIngressConfig } from "@skyhook/ingress";
import { loadWorkerConfig } from "@skyhook/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCapturing } from "./support/cli.ts";
import { startPrivateRedis } from "./support/private-redis.ts";
import { type AppProcess, repoRoot, spawnApp } from "./support/processes.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The three processes started by hand on one machine, as the Configuration section describes
 * each, with nothing set but where Redis is (a private one, so the default queue prefix meets
 * nobody else's data): every port is its documented default, and none collides. Deliveries
 * go in with the README's `./scripts/skyhook send`, which needs no pnpm, and its curl example.
 */
const ports = {
  ingress: loadIngressConfig({}).port,
  ingressOps: loadIngressConfig({}).ops.port,
  workerOps: loadWorkerConfig({}).ops.port,
  dashboard: loadDashboardConfig({}).port,
};
const inCi = (process.env.CI ?? "") !== "" && process.env.CI !== "false";

/**
 * The README's "by hand with curl" block, as two parts: the commands up to the delivery, and
 * its last line, the `redis-cli get` that reads the projected booking back.
 */
function readmeCurlExample(): [string, string] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = readme.split("```sh\n").find((b) => b.startsWith("TOKEN=$(curl"));
  const lines = (block?.split("```")[0] ?? "").trimEnd().split("\n");
  return [lines.slice(0, -1).join("\n"), lines.at(-1) ?? ""];
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

const taken: number[] = [];
for (const port of Object.values(ports)) if (!(await portIsFree(port))) taken.push(port);
if (taken.length > 0 && !inCi)
  console.warn(
    `default-ports test skipped: port(s) ${taken.join(", ")} in use here (is ./scripts/up.sh running?)`,
  );

describe.skipIf(taken.length > 0 && !inCi)("the three processes on their defaults", () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    expect(taken, "default ports in use on this machine").toEqual([]);
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await redis?.kill();
  });

  it("has a distinct default port for each listener", () => {
    expect(new Set(Object.values(ports)).size).toBe(Object.keys(ports).length);
  });

  it("all come up side by side, and a delivery sent with ./scripts/skyhook is applied", async () => {
    const env = { REDIS_URL: redis.url };
    for (const app of ["ingress", "worker", "dashboard"] as const)
      apps.push(spawnApp(app, env, undefined, "defaults"));
    const answers = async (url: string) => {
      for (const app of apps)
        if (app.child.exitCode !== null) throw new Error(`a process exited:\n${app.output()}`);
      const response = await fetch(url).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    };
    // Three Node processes starting at once on a loaded two-core machine: up to a minute.
    const startupMs = 60_000;
    await waitFor(
      "the ingress ready",
      () => answers(`http://127.0.0.1:${ports.ingress}/readyz`),
      startupMs,
    );
    await waitFor(
      "the ingress's ops server",
      () => answers(`http://127.0.0.1:${ports.ingressOps}/readyz`),
      startupMs,
    );
    await waitFor(
      "the worker ready",
      () => answers(`http://127.0.0.1:${ports.workerOps}/readyz`),
      startupMs,
    );
    await waitFor(
      "the dashboard",
      () => answers(`http://127.0.0.1:${ports.dashboard}/healthz`),
      startupMs,
    );

    const sent = await runCapturing(
      "scripts/skyhook",
      ["send", "--operation", "FLIGHT_CANCELLED", "--pnr", "PNR-DEFAULTS"],
      { env: { ...process.env, LOG_LEVEL: "warn" } },
    );
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain("200");

    // The README's curl example, run as written; its closing `redis-cli get` is asked of this
    // test's private Redis, once the worker had time to project the booking.
    const [byHand = "", readBack = ""] = readmeCurlExample();
    const curl = await runCapturing("bash", ["-c", byHand]);
    expect(curl.code, curl.stderr).toBe(0);
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(curl.stdout).toContain('"status":"accepted"');
    const projected = readBack.match(/^redis-cli get "([^"]+)"$/)?.[1] ?? "";
    expect(projected).toBe(projectionKeyOf("skyhook", "PNR1"));

    const store = connect(redis.url);
    try {
      for (const key of [projectionKeyOf("skyhook", "PNR-DEFAULTS"), projected])
        await waitFor(`the booking projected by the worker at ${key}`, async () =>
          (await store.exists(key)) === 1 ? true : undefined,
        );
    } finally {
      store.disconnect();
    }
  }, 180_000);
});
